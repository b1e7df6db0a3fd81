/* qfota's one clock: CLOCK_MONOTONIC, in milliseconds (and nanoseconds where a
 * hot loop needs them). Every deadline of every layer is measured with it. */
#ifndef QFOTA_CLOCK_H
#define QFOTA_CLOCK_H

#include <stdint.h>

uint64_t qfota_now_ms(void);
uint64_t qfota_now_ns(void);

#endif
