/* The correlator's insides, shared by correlate*.c. */
#ifndef GW_CORRELATE_PRIV_H
#define GW_CORRELATE_PRIV_H

#include <stdio.h>

#include "correlate.h"
#include "detect/detect_internal.h"

#define CORR_SLOT_MS (5 * 60 * 1000)
#define CORR_MAX_SLOTS 64
#define CORR_SLOT_BUCKETS 64
#define CORR_SLOT_OTHERS 8
#define CORR_SLOT_NEW 16
#define CORR_MAX_ENDPOINTS 64
#define CORR_MAX_CLIENTS 65536
#define CORR_MAX_READERS 1024
#define CORR_REFIRE_MS (3600 * 1000)

struct corr_proc {
	uint32_t pid, uid;
	uint64_t start_ns;
	char comm[16];
	char exe[256];
	char unit[128];
};

struct corr_event {
	int64_t time_ms;
	int cloud;
	char principal[256];
	char access_key[32];
	char source_ip[64];
	char api[64];
	char bucket[128];
};

struct corr_bucket {
	char name[128];
	uint64_t host_bytes, host_ops, audit_bytes, audit_reads;
	struct corr_proc gateway;          /* the gateway process that read most */
};

/* A local process (not the gateway) that connected to the storage endpoint. */
struct corr_other {
	struct corr_proc proc;
	char addr[64];
	uint16_t port;
	uint64_t connects;
};

/* A client new to the gateway, and what it then read per the audit log. */
struct corr_newclient {
	char addr[64];
	struct corr_proc gateway;
	uint64_t accepted, events, reads, bytes;
	char object[256];
};

struct corr_slot {
	int64_t start_ms;
	int observed;                      /* a host window of the sensor fell in it */
	struct corr_bucket buckets[CORR_SLOT_BUCKETS];
	size_t nbuckets;
	int gateway_active;
	struct corr_other others[CORR_SLOT_OTHERS];
	size_t nothers;
	struct corr_newclient newc[CORR_SLOT_NEW];
	size_t nnew;
	uint64_t ident_events;             /* audit events with the gateway's identity */
	struct corr_event ident;           /* the first of them */
};

struct corr_endpoint {
	char addr[64];
	uint16_t port;
};

struct corr_client {
	char addr[46];
	int64_t last_ms;                   /* 0: empty slot */
};

/* A host process's object reads per hour: an EWMA baseline over the hours it
 * read at all, and the hour in progress. Keyed by exe (comm when unknown). */
#define CORR_MAX_PROCS 4096
#define CORR_PROC_ALPHA 0.1

struct corr_procbase {
	char exe[256];
	uint64_t hours;                    /* active hours folded into the baseline */
	double mean, var;                  /* bytes per active hour */
	int64_t hour;                      /* the hour in progress (ms / 3600000) */
	uint64_t bytes, ops;               /* read in it so far */
	int fired;                         /* process-read-spike fired for this hour */
};

struct corr_reader {
	uint32_t pid;
	uint64_t start_ns;
	char bucket[128];
	int64_t fired_ms;
};

struct correlator {
	struct correlate_opts o;
	int64_t slot_ms, created_ms, now_ms;
	struct corr_slot slots[CORR_MAX_SLOTS];
	size_t nslots;
	struct corr_endpoint endpoints[CORR_MAX_ENDPOINTS];
	size_t nendpoints;
	struct corr_client *clients;       /* open addressing, 2 x CORR_MAX_CLIENTS */
	size_t nclients;
	struct corr_reader readers[CORR_MAX_READERS];
	size_t nreaders;
	struct corr_procbase *procs;       /* CORR_MAX_PROCS, linear: few gateway processes */
	size_t nprocs;
	struct finding **findings;
	size_t nfindings, capfindings;
	struct correlate_stats stats;
	int slots_dirty;                   /* slots changed since the last save */
};

/* A new finding with the usual fields set (id from this host's id, rule,
 * key and start: a host finding is this host's alone); NULL on allocation
 * failure. */
struct finding *corr_finding(const struct correlator *c, const char *rule, const char *title, int sev, double score,
			     int64_t start_ms, int64_t end_ms, const char *key);
/* pid, exe, comm, uid and unit of p as evidence keys with prefix. */
int corr_add_proc_evidence(struct finding *f, const char *prefix, const struct corr_proc *p);
int corr_is_gateway(const struct correlator *c, const struct host_proc *p);
/* A gateway or allowed process's reads into its hourly baseline; fires
 * process-read-spike once an established process reads far above it. */
void corr_proc_read(struct correlator *c, const struct host_read *r, int64_t t);
void corr_proc_load(struct correlator *c, const char *line);
void corr_proc_save(const struct correlator *c, FILE *f);
int corr_is_allowed(const struct correlator *c, const struct host_proc *p);
/* 1 when a gateway or allowed process is named: with none, every reader
 * would be unexpected, so the per-process rules stay off. */
static inline int corr_named(const struct correlator *c)
{
	return c->o.ngateway_exes || c->o.nallow_exes;
}
struct corr_slot *corr_slot(struct correlator *c, int64_t t);
/* sensor-blinded: a window in which the sensor lost reads or readers. */
void corr_sensor_blinded(struct correlator *c, const struct host_window *w);
void corr_judge(struct correlator *c, struct corr_slot *s);
int corr_emit(struct correlator *c, struct finding *f);
void corr_copy_event(struct corr_event *dst, const struct audit_event *ev);
void corr_copy_proc(struct corr_proc *dst, const struct host_proc *p);
/* NUL-terminate p's strings within their arrays (read back from a file). */
void corr_proc_terminate(struct corr_proc *p);
/* The client set: returns the previous last-seen time (0: never) and
 * records now. */
int64_t corr_client_seen(struct correlator *c, const char *addr, int64_t now_ms);

#endif
