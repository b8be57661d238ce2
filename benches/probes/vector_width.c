/* Whether the core adds four doubles (AVX, 256 bits) as fast as two (SSE2,
 * 128 bits): Zen 1 splits a 256-bit operation in two and does one such
 * addition a cycle against two of 128 bits; Zen 2 and later do two of
 * either. Eight independent chains keep both adders busy.
 * cc -O2 -mavx2 vector_width.c -o vector_width && ./vector_width */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec a;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    return a.tv_sec + a.tv_nsec * 1e-9;
}

#define KEEP8(a) __asm__ volatile("" : "+x"(a##0), "+x"(a##1), "+x"(a##2), "+x"(a##3), \
                                       "+x"(a##4), "+x"(a##5), "+x"(a##6), "+x"(a##7))

int main(void) {
    const long n = 200000000;
    __m256d y0 = _mm256_set1_pd(1), y1 = y0, y2 = y0, y3 = y0, y4 = y0, y5 = y0, y6 = y0,
            y7 = y0, dy = _mm256_set1_pd(1e-9);
    double t = now();
    for (long i = 0; i < n; i++) {
        y0 = _mm256_add_pd(y0, dy); y1 = _mm256_add_pd(y1, dy);
        y2 = _mm256_add_pd(y2, dy); y3 = _mm256_add_pd(y3, dy);
        y4 = _mm256_add_pd(y4, dy); y5 = _mm256_add_pd(y5, dy);
        y6 = _mm256_add_pd(y6, dy); y7 = _mm256_add_pd(y7, dy);
        KEEP8(y);
    }
    printf("256-bit additions per ns: %.2f\n", 8.0 * n / (now() - t) / 1e9);
    __m128d x0 = _mm_set1_pd(1), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0,
            x7 = x0, dx = _mm_set1_pd(1e-9);
    t = now();
    for (long i = 0; i < n; i++) {
        x0 = _mm_add_pd(x0, dx); x1 = _mm_add_pd(x1, dx);
        x2 = _mm_add_pd(x2, dx); x3 = _mm_add_pd(x3, dx);
        x4 = _mm_add_pd(x4, dx); x5 = _mm_add_pd(x5, dx);
        x6 = _mm_add_pd(x6, dx); x7 = _mm_add_pd(x7, dx);
        KEEP8(x);
    }
    printf("128-bit additions per ns: %.2f\n", 8.0 * n / (now() - t) / 1e9);
    return 0;
}
