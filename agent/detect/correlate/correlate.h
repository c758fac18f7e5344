/* Correlation: host windows joined with audit events, the findings no
 * cloud-only tool can make.
 *
 * In:  host windows (agent/host) and audit events (agent/audit), each in
 *      time order; the clock (correlator__tick), since audit logs arrive late.
 * Out: findings (detect.h), taken with correlator__take().
 *
 * Rules:
 *  - unexpected-reader: a process that is not the gateway (nor allowed) read
 *    object data under a root. Fires from the host window alone; off while
 *    no gateway process is named.
 *  - unaudited-reads: the gateway read more object data of a bucket than the
 *    audit log accounts for in the same window (none at all, or far less).
 *  - credential-off-gateway: audit events with the gateway's access key or
 *    egress address while another local process connected to the storage
 *    endpoint, or while the gateway itself was idle.
 *  - new-client: the gateway accepted a connection from an address not seen
 *    in 30 days, with what that address then read according to the audit log.
 *  - sensor-blinded: the sensor lost sight of object reads in a window (a
 *    counts map or the ring buffer full, rows the agent could not keep);
 *    names the roots, the counts lost, the volume no process was credited
 *    with and the likely cause. Fires whether or not a gateway is named.
 *  - process-read-spike: a gateway (or allowed) process read far more object
 *    data in an hour than its own hourly baseline (per executable).
 * A window is judged once the audit log's delivery delay has passed.
 * Only what the sensor observed is judged: an audit event whose time falls in
 * no slot a host window covered (history from before the start, downtime
 * between restarts, a slot judged already) is counted as unobserved and left
 * to the detector's baselines; one finding per rule and key per slot, with
 * the count of events.
 *
 * Ownership: findings taken are the caller's (finding__free each). The
 * correlator copies what it keeps of windows and events.
 */
#ifndef GW_CORRELATE_H
#define GW_CORRELATE_H

#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "detect/detect.h"
#include "host/host.h"

struct correlate_opts {
	/* Processes that are the gateway, and others allowed to read objects:
	 * an absolute exe path, an exe or comm name, or a systemd unit name. */
	const char *const *gateway_exes;
	size_t ngateway_exes;
	const char *const *allow_exes;
	size_t nallow_exes;
	/* The gateway's identity as the cloud sees it. */
	const char *const *gateway_keys;     /* access key ids */
	size_t ngateway_keys;
	const char *const *gateway_ips;      /* egress addresses */
	size_t ngateway_ips;
	int64_t slot_ms;             /* time slot host and audit data are compared in (5 min) */
	int64_t delay_ms;            /* audit delivery delay tolerated (default 15 min) */
	int64_t learning_ms;         /* new-client is silent while the client set is younger */
	int64_t client_ttl_ms;       /* a client is new again after this (default 30 days) */
	uint64_t unaudited_min_bytes; /* host bytes a bucket must exceed to be judged (1 MiB) */
	double unaudited_ratio;      /* host bytes above audit bytes x this fire (default 2) */
	uint32_t proc_min_hours;     /* process-read-spike: active hours before a baseline counts (24) */
	uint64_t proc_floor_bytes;   /* ... and bytes an hour it must exceed anyway (256 MiB) */
	/* Nodes of the erasure-coded cluster this host is one of (1: a single
	 * node). Above 1 one node's reads of object data (erasure parts it
	 * serves to its peers) and its own audit entries do not match, so
	 * unaudited-reads is off; unexpected-reader, new-client and the
	 * others judge this node alone and stay on. */
	uint32_t cluster_nodes;
	/* This host's id (the agent id): it enters every host finding's id, so
	 * that two hosts never report one host finding under one id, while
	 * cloud findings, derived from content alone, are one id fleet-wide.
	 * NULL or "": left out. */
	const char *host_id;
};

void correlate_opts__defaults(struct correlate_opts *o);

struct correlator;

/* NULL with errno set. opts' strings must outlive the correlator. */
struct correlator *correlator__new(const struct correlate_opts *o, int64_t now_ms);
void correlator__free(struct correlator *c);

/* Replace the options (a configuration reload); state is kept. */
void correlator__set_opts(struct correlator *c, const struct correlate_opts *o);
/* Feed one host window (its end time is the host's clock). */
int correlator__host_window(struct correlator *c, const struct host_window *w);
/* Is p one of the gateway's processes ([gateway] exes)? */
int correlator__is_gateway(const struct correlator *c, const struct host_proc *p);
/* Feed one audit event. */
int correlator__audit_event(struct correlator *c, const struct audit_event *ev);
/* Judge the windows whose delivery delay has passed by now_ms; with
 * now_ms = INT64_MAX, judge all (end of input). */
void correlator__tick(struct correlator *c, int64_t now_ms);
/* Hand over the findings made so far: *out is a malloc'd array of n
 * findings, both owned by the caller. Returns n. */
size_t correlator__take(struct correlator *c, struct finding ***out);

/* The set of known clients, kept across restarts. 0 or a negative errno;
 * a missing file is not an error. Written atomically (temp + fsync + rename). */
int correlator__load(struct correlator *c, const char *path);
int correlator__save(const struct correlator *c, const char *path);

/* The slots waiting for the audit delivery delay, kept across a crash:
 * save after each host window and after each batch of audit events (cheap
 * when nothing changed: returns 0 without writing); load into a fresh
 * correlator before its first window. Written atomically with a checksum.
 * 0 or a negative errno; a missing file is not an error, a damaged one or
 * one of another version is logged and left out (-EINVAL). */
int correlator__save_slots(struct correlator *c, const char *path);
int correlator__load_slots(struct correlator *c, const char *path);

struct correlate_stats {
	uint64_t windows, events, findings;
	uint64_t dropped;            /* state that did not fit the bounds */
	uint64_t unobserved;         /* audit events outside the sensor's observed time */
	uint64_t clients;
};
void correlator__stats(const struct correlator *c, struct correlate_stats *st);

#endif
