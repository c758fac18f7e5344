/* Rule "suspicious-source": a call from an IP in a threat-intel list loaded
 * with --intel: the Tor exit list, a custom deny list (high), or an
 * anonymizing/hosting list (medium). Fires for any identity, established or
 * not. MITRE T1090.003 (multi-hop proxy), T1078.004 (valid cloud accounts). */
#include <errno.h>
#include <stdio.h>

#include "detect/detect_internal.h"

/* Out of line: most hours give the rule nothing, and its quick test below
 * then costs no stack frame. */
__attribute__((noinline))
static int intel_judge(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	const struct hour_more *hm = hour__more(h);
	struct finding *f;
	int err = 0, best = 0;
	size_t bi = 0;

	if (!h->nintel)
		return 0;
	for (size_t i = 0; i < h->nintel; i++) {
		int w = hm->intel_kind[i] == INTEL_HOSTING ? 1 : 2;

		if (w > best) {
			best = w;
			bi = i;
		}
	}
	if (!best)
		return 0;
	f = finding__from_hour(&rule_suspicious_source, "Call from a source on a threat-intel list",
			       best == 2 ? GW_SEV_HIGH : GW_SEV_MEDIUM, best == 2 ? 90.0 : 45.0,
			       id, h);
	if (!f)
		return -ENOMEM;
	if (hm->intel_kind[bi] == INTEL_TOR)
		f->mitre[f->nmitre++] = "T1090.003";
	f->mitre[f->nmitre++] = "T1078.004";
	err |= finding__set(&f->source_ip, hm->intel_ips[bi]);
	err |= finding__add_evidence(f, "listed_ip", "%s", hm->intel_ips[bi]);
	err |= finding__add_evidence(f, "list", "%s", hm->intel_labels[bi]);
	err |= finding__add_evidence(f, "list_kind", "%s",
				     hm->intel_kind[bi] == INTEL_TOR ? "tor-exit" :
				     hm->intel_kind[bi] == INTEL_HOSTING ? "hosting" : "deny");
	err |= finding__add_evidence(f, "calls_in_hour", "%u", h->events);
	return finding__finish(d, f, err);
}

static int intel_hour(struct detector *d, struct ident *id, const struct hour_rec *h)
{
	return h->nintel ? intel_judge(d, id, h) : 0;
}

const struct rule rule_suspicious_source = {
	.id = "suspicious-source",
	.hour = intel_hour,
};
