/* udp: placeholder until the module lands; drops everything. */
#include "stack_var.h"

int udp_init(struct stack *s) { return 0; }
void udp_free(struct stack *s) { }
void udp_input(struct stack *s, const struct ip_pkt *p) { }
void udp_timers(struct stack *s) { }
int64_t udp_next_timer(const struct stack *s) { return -1; }
