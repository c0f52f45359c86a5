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

/*
 * Framed mode: the input is records [len][bytes] that the harness wraps
 * in good HDLC frames (FCS right), so the fuzzer reaches LCP, IPCP, VJ
 * and IP instead of dying on the FCS; each record also advances the
 * clock by its first byte * 100 ms to run the timers.  The first byte
 * picks the authentication demanded (none, PAP, CHAP, both); requests
 * for the parent are checked for sane lengths and answered at once.
 */
static void
run_framed(const uint8_t *data, size_t size)
{
	static uint8_t enc[HDLC_ENCMAX(256)], out[65536];
	struct ppp_config c;
	struct hdlc_xmap m;
	struct ppp_auth_req r;
	struct ppp *p;
	uint64_t now = 0;
	size_t i = 0, len, n = 0, e;

	ppp_default_config(&c);
	c.echo_interval = 1;
	c.magic = 0x01020304;
	if (size > 0) {
		c.auth.allow = data[0] & (PPP_AUTH_PAP | PPP_AUTH_CHAP);
		c.auth.chap_interval = data[0] >> 4;
		data++;
		size--;
	}
	if ((p = ppp_new(&c, now)) == NULL)
		return;
	hdlc_xmap_init(&m, 0xffffffff);
	while (i < size) {
		len = data[i++];
		if (len > size - i)
			len = size - i;
		e = hdlc_encode(enc, &m, NULL, 0, data + i, len);
		ppp_input(p, enc, e, now, deliver, &n);
		if (len > 0)
			now += data[i] * 100ULL;
		i += len;
		ppp_timers(p, now);
		while (ppp_auth_take(p, &r)) {
			if (r.namelen > PPP_AUTH_NAMEMAX ||
			    r.secretlen > PPP_AUTH_NAMEMAX)
				abort();
			ppp_auth_result(p, r.seq, r.namelen & 1, now);
		}
		(void)ppp_ctl_take(p, out, sizeof(out));
		if (ppp_ip_up(p)) {
			e = ppp_encode_ip(p, out, data + i - len, len);
			if (e > PPP_ENCMAX(len))
				abort();
		}
	}
	ppp_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && data[0] == 'F') {
		run_framed(data + 1, size - 1);
		return 0;
	}
	run(data, size, 0);
	run(data, size, 1);
	return 0;
}
