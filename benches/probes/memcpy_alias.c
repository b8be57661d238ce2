/* glibc's memcpy on 4-64 KiB copies, by the distance of destination from
 * source modulo 4096: loads that seem to alias earlier stores (4K
 * aliasing) slow some cores many times over.
 * cc -O2 memcpy_alias.c -o memcpy_alias && ./memcpy_alias */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec a;
    clock_gettime(CLOCK_MONOTONIC, &a);
    return a.tv_sec + a.tv_nsec * 1e-9;
}

int main(void) {
    char *buf = aligned_alloc(4096, 1 << 22);
    memset(buf, 1, 1 << 22);
    const size_t sizes[] = {4096, 8192, 32768, 65536};
    const int offsets[] = {0, 16, 32, 64, 2048, 4096 - 16};
    for (int s = 0; s < 4; s++) {
        for (int o = 0; o < 6; o++) {
            size_t n = sizes[s];
            char *src = buf, *dst = buf + (1 << 21) + offsets[o];
            long reps = 400000000 / n;
            double t = now();
            for (long r = 0; r < reps; r++) {
                memcpy(dst, src, n);
                __asm__ volatile("" ::"r"(dst) : "memory");
            }
            printf("%6zu bytes, destination - source = %4d mod 4096: %5.1f GB/s\n", n,
                   offsets[o], (double)n * reps / (now() - t) / 1e9);
        }
    }
    free(buf);
    return 0;
}
