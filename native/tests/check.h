/* A minimal test harness: CHECK records a failure and goes on; main prints the tally. */
#ifndef PV_CHECK_H
#define PV_CHECK_H

#include <stdio.h>

static int pv_checks_failed;
static int pv_tests_passed;
static int pv_tests_failed;

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);         \
            pv_checks_failed++;                                                              \
        }                                                                                    \
    } while (0)

#define RUN(test)                                                                            \
    do {                                                                                     \
        int before = pv_checks_failed;                                                       \
        test();                                                                              \
        if (pv_checks_failed == before)                                                      \
            pv_tests_passed++;                                                               \
        else                                                                                 \
            pv_tests_failed++;                                                               \
    } while (0)

#define REPORT()                                                                             \
    (printf("%d passed, %d failed\n", pv_tests_passed, pv_tests_failed), pv_tests_failed != 0)

#endif
