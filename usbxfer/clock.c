/* qfota's one clock (include/qfota/clock.h). It lives in usbxfer, the bottom
 * layer, so that every layer above can use it. */
#include <time.h>

#include "qfota/clock.h"

uint64_t qfota_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t qfota_now_ms(void)
{
	return qfota_now_ns() / 1000000u;
}
