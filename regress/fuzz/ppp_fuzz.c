/*
 * libFuzzer harness for the PPP input path: arbitrary line bytes into a
 * fresh PPP state (HDLC decoder, LCP, IPCP), whole and again in chunks
 * whose sizes come from the input; a fake clock runs the timers between
 * chunks.  Delivered datagrams must fit the MRU; control output stays
 * bounded.  Inputs that open the link reach IPCP and IP as well.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ppp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
deliver(void *arg, const uint8_t *p, size_t len)
{
	size_t *n = arg;

	if (len > PPP_MRU_DEFAULT)
		abort();
	(*n)++;
}

static void
run(const uint8_t *data, size_t size, int chunked)
{
	static uint8_t out[65536];
	struct ppp_config c;
	struct ppp *p;
	uint64_t now = 0;
	size_t i = 0, step, n = 0;

	ppp_default_config(&c);
	c.echo_interval = 1;
	/* Known magic: inputs can ack our request and reach IPCP, IP. */
	c.magic = 0x01020304;
	if ((p = ppp_new(&c, now)) == NULL)
		return;
	while (i < size) {
		step = chunked ? 1 + data[i] % 13 : size - i;
		if (step > size - i)
			step = size - i;
		ppp_input(p, data + i, step, now, deliver, &n);
		i += step;
		now += chunked ? 700 : 0;
		ppp_timers(p, now);
		if (ppp_ctl_len(p) > sizeof(out))
			abort();
		(void)ppp_ctl_take(p, out, sizeof(out));
		(void)ppp_next_timer(p, now);
	}
	ppp_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, 0);
	run(data, size, 1);
	return 0;
}
