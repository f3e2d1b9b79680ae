{
  "targets": [
    {
      "target_name": "sharedarrays",
      # Every native/*.cc is a part of the addon (native/addon.cc lists them): a new part needs no
      # edit here. native/CMakeLists.txt (the sanitizer build) globs the same files.
      "sources": ["<!@(node -p \"require('fs').readdirSync('native').filter(f => f.endsWith('.cc')).sort().map(f => 'native/' + f).join(' ')\")"],
      "include_dirs": ["<!@(node -p \"require('node-addon-api').include\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      # native/ops.cc's loops: no fused multiply-add (a*x+y rounds twice, as the TypeScript
      # reference and the C baseline do) and no errno from math functions (lets sqrt vectorize).
      # native/CMakeLists.txt passes the same flags.
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-ffp-contract=off", "-fno-math-errno"]
    }
  ]
}
