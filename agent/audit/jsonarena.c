/* A per-thread bump allocator for cJSON while a log file is parsed. See
 * jsonarena.h. Malloc and free were about half of the parse time with
 * cJSON's one allocation per node and per string. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit/jsonarena.h"

#define CHUNK ((size_t)1 << 20)
#define ALIGN 16

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(ALIGN) unsigned char data[];
};

struct arena {
	struct chunk *head;       /* the chunk being filled; older ones follow */
};

static __thread struct arena arena;
static __thread struct arena *active;
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void *arena_alloc(size_t n)
{
	struct chunk *c = arena.head;
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1), size;

	if (!c || c->size - c->used < need) {
		size = need > CHUNK ? need : CHUNK;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = arena.head;
		arena.head = c;
	}
	c->used += need;
	return c->data + c->used - need;
}

static void *hook_malloc(size_t n)
{
	return active ? arena_alloc(n) : malloc(n);
}

static void hook_free(void *p)
{
	if (!active)
		free(p);
}

static void init_hooks(void)
{
	cJSON_Hooks h = { .malloc_fn = hook_malloc, .free_fn = hook_free };

	cJSON_InitHooks(&h);
}

void json_arena__begin(void)
{
	pthread_once(&hooks_once, init_hooks);
	active = &arena;
}

void json_arena__release(void)
{
	struct chunk *c = arena.head, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	arena.head = NULL;
	active = NULL;
}

void json_arena__reset(void)
{
	struct chunk *c = arena.head, *next;

	/* Keep one ordinary chunk for the next value; give the rest back. */
	if (!c)
		return;
	next = c->next;
	c->next = NULL;
	c->used = 0;
	if (c->size > CHUNK) {
		free(c);
		arena.head = NULL;
	}
	for (; next; next = c) {
		c = next->next;
		if (!arena.head && next->size == CHUNK) {
			next->used = 0;
			next->next = NULL;
			arena.head = next;
		} else {
			free(next);
		}
	}
}

void json_arena__drop(struct cJSON *root)
{
	if (!active)
		cJSON_Delete(root);
	json_arena__reset();
}

void json_arena__end(void)
{
	json_arena__reset();
	active = NULL;
}

void *json_arena__suspend(void)
{
	void *a = active;

	active = NULL;
	return a;
}

void json_arena__resume(void *token)
{
	active = token;
}
