/* The clock the core runs at while busy: a chain of dependent additions
 * retires one a cycle, so additions per second are cycles per second.
 * cc -O1 clock.c -o clock && ./clock */
#include <stdio.h>
#include <time.h>

int main(void) {
    struct timespec a, b;
    const long n = 2000000000;
    long x = 0;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    for (long i = 0; i < n; i++)
        __asm__ volatile("add $1, %0" : "+r"(x));
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9;
    printf("%.2f GHz (dependent additions per ns)\n", n / s / 1e9);
    return 0;
}
