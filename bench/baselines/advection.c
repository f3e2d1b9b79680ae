// The seed's advection kernel in C, the baseline beside the JavaScript versions of
// bench/advection.ts: the same arrays (n×n×n float64, the same inputs), the same additions in the
// same order, serial and split over T pthreads by the seed's myrange chunks of the 2nd dimension.
// Prints one JSON line: {"n":..,"threads":..,"serialMs":[..],"threadsMs":[..],"check":..}.
//
//   cc -O2 -pthread -o advection bench/baselines/advection.c && ./advection 500 2 5
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static long n;
static double *q, *u;

struct chunk {
  long j0, j1;
};

// q[i,j,t+1] = q[i,j,t] + u[i,j,t] for t in [0, n-1), j in [j0, j1), i in [0, n): column-major.
static void kernel(long j0, long j1) {
  long plane = n * n;
  for (long t = 0; t < n - 1; t++) {
    for (long j = j0; j < j1; j++) {
      long k = t * plane + j * n;
      for (long i = 0; i < n; i++, k++) q[k + plane] = q[k] + u[k];
    }
  }
}

static void* run(void* arg) {
  struct chunk* c = arg;
  kernel(c->j0, c->j1);
  return NULL;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Julia's round(Int, x): ties to even, as bench/advection/kernels.ts computes the splits.
static long round_even(double x) {
  double f = (double)(long)x, d = x - f;
  if (d < 0.5) return (long)f;
  if (d > 0.5) return (long)f + 1;
  return ((long)f % 2 == 0) ? (long)f : (long)f + 1;
}

static void init(void) {
  long k = 0;
  for (long t = 0; t < n; t++)
    for (long j = 0; j < n; j++)
      for (long i = 0; i < n; i++, k++) u[k] = ((i * 7 + j * 13 + t * 17) % 101) * 0.125 - 6;
  for (k = 0; k < n * n * n; k++) q[k] = k < n * n ? (((k % n) * 31 + (k / n) * 17) % 97) * 0.25 : 0;
}

int main(int argc, char** argv) {
  n = argc > 1 ? atol(argv[1]) : 500;
  int threads = argc > 2 ? atoi(argv[2]) : 2;
  int runs = argc > 3 ? atoi(argv[3]) : 5;
  size_t bytes = (size_t)n * n * n * sizeof(double);
  q = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  u = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (q == MAP_FAILED || u == MAP_FAILED) return 1;
  init();
  kernel(0, n);  // warm-up: first touch of every page
  struct chunk* chunks = calloc(threads, sizeof *chunks);
  pthread_t* tids = calloc(threads, sizeof *tids);
  for (int c = 0; c < threads; c++) {
    chunks[c].j0 = round_even((double)n * c / threads);
    chunks[c].j1 = round_even((double)n * (c + 1) / threads);
  }
  printf("{\"n\":%ld,\"threads\":%d,\"serialMs\":[", n, threads);
  for (int r = 0; r < runs; r++) {
    double t0 = now_ms();
    kernel(0, n);
    printf("%s%.2f", r ? "," : "", now_ms() - t0);
  }
  printf("],\"threadsMs\":[");
  for (int r = 0; r < runs; r++) {
    double t0 = now_ms();
    for (int c = 0; c < threads; c++) pthread_create(&tids[c], NULL, run, &chunks[c]);
    for (int c = 0; c < threads; c++) pthread_join(tids[c], NULL);
    printf("%s%.2f", r ? "," : "", now_ms() - t0);
  }
  printf("],\"check\":%.17g}\n", q[n * n * (n - 1) + n * (n / 2) + n / 3]);
  return 0;
}
