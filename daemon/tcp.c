/* tcp: placeholder until the module lands; drops everything. */
#include "stack_var.h"

int tcp_init(struct stack *s) { return 0; }
void tcp_free(struct stack *s) { }
void tcp_input(struct stack *s, const struct ip_pkt *p) { }
void tcp_timers(struct stack *s) { }
int64_t tcp_next_timer(const struct stack *s) { return -1; }
void tcp_kick(struct stack *s) { }
