/* icmp: placeholder until the module lands; drops everything. */
#include "stack_var.h"

int icmp_init(struct stack *s) { return 0; }
void icmp_free(struct stack *s) { }
void icmp_input(struct stack *s, const struct ip_pkt *p) { }
void icmp_timers(struct stack *s) { }
int64_t icmp_next_timer(const struct stack *s) { return -1; }
void icmp_error(struct stack *s, const uint8_t *o, size_t l, uint8_t t, uint8_t c) { }
