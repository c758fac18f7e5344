/* agent/audit internals: cJSON allocations from a per-thread arena.
 *
 * Between begin and end, cJSON in this thread allocates from the arena and
 * cJSON_Delete frees nothing; reset releases everything parsed so far at
 * once (call it after deleting each top-level value). Trees must not
 * outlive the reset. Outside a scope, and in other threads, cJSON uses
 * malloc and free as usual. The event callback runs suspended, so anything
 * it builds with cJSON is ordinary heap memory. */
#ifndef GW_AUDIT_JSONARENA_H
#define GW_AUDIT_JSONARENA_H

void json_arena__begin(void);
void json_arena__reset(void);
void json_arena__end(void);
/* Free this thread's arena (a thread about to exit). */
void json_arena__release(void);
/* Done with a top-level value: inside the scope, reset (without walking
 * the tree, which cJSON_Delete would do for nothing); outside, delete it. */
struct cJSON;
void json_arena__drop(struct cJSON *root);
/* Leave the scope for a while (returns a token for resume). */
void *json_arena__suspend(void);
void json_arena__resume(void *token);

#endif
