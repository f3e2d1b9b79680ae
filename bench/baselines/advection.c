// The seed's advection kernel q[i,j,t+1] = q[i,j,t] + u[i,j,t] in C, as the baseline of
// `npm run bench` (bench/advection/c-baseline.ts builds and drives it): serial, and with OpenMP
// threads each running its own columns j for all t (the seed's myrange split), like the
// shared versions. Built with `cc -O3 -march=native -fopenmp`.
//
// q and u live in memfd shared memory, the same kind of memory as a SharedArray, so that the
// benchmark maps them too (/proc/<pid>/fd/<fd>), fills the inputs and checks the result bit for
// bit. Protocol: prints "ready <pid> <qfd> <ufd>", then for each stdin line "serial" or
// "parallel" runs the kernel once and prints "done"; exits at end of input (also when the
// benchmark dies, since its end of the pipe closes).
//
//   advection <n> <threads>
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static double* shared_array(size_t bytes, int* fd, const char* name) {
  *fd = memfd_create(name, 0);
  if (*fd < 0 || ftruncate(*fd, (off_t)bytes) != 0) {
    perror("memfd");
    exit(1);
  }
  void* p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  return p;
}

// Columns [j0, j1) for every time step; i innermost (contiguous), as the seed's advection_chunk!.
static void chunk(double* q, const double* u, size_t n1, size_t n2, size_t n3, size_t j0, size_t j1) {
  const size_t plane = n1 * n2;
  for (size_t t = 0; t + 1 < n3; t++) {
    for (size_t j = j0; j < j1; j++) {
      double* restrict dst = q + (t + 1) * plane + j * n1;
      const double* restrict src = q + t * plane + j * n1;
      const double* restrict du = u + t * plane + j * n1;
      for (size_t i = 0; i < n1; i++) dst[i] = src[i] + du[i];
    }
  }
}

// The seed's split of n2 columns into `parts`: round(n2 * k / parts), ties to even.
static size_t split(size_t n2, int k, int parts) {
  return (size_t)nearbyint((double)n2 * k / parts);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s <n> <threads>\n", argv[0]);
    return 2;
  }
  const size_t n = strtoull(argv[1], NULL, 10);
  const int threads = atoi(argv[2]);
  const size_t bytes = n * n * n * sizeof(double);
  int qfd, ufd;
  double* q = shared_array(bytes, &qfd, "advection-q");
  double* u = shared_array(bytes, &ufd, "advection-u");
  printf("ready %d %d %d\n", (int)getpid(), qfd, ufd);
  fflush(stdout);
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, "serial", 6) == 0) {
      chunk(q, u, n, n, n, 0, n);
    } else if (strncmp(line, "parallel", 8) == 0) {
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
      {
        int k = omp_get_thread_num(), parts = omp_get_num_threads();
        chunk(q, u, n, n, n, split(n, k, parts), split(n, k + 1, parts));
      }
#else
      (void)threads;
      fprintf(stderr, "built without OpenMP\n");
      return 1;
#endif
    } else {
      fprintf(stderr, "unknown command: %s", line);
      return 2;
    }
    printf("done\n");
    fflush(stdout);
  }
  return 0;
}
