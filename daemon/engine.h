/* The engine: one per session, sandboxed, runs the units and the stack. */
#ifndef SLIRPD_ENGINE_H
#define SLIRPD_ENGINE_H

/* Entry point of "slirpd -P engine"; the channel is ENGINE_CHANNEL_FD. */
int	engine_main(int debug, int verbose);

#endif
