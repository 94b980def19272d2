vcl 4.1;

import std;

# Varnish in front of the hub's gateways: it keeps the public GET answers the gateway marks
# `public, s-maxage=...` (one copy per Accept, Authorization and Origin, as `Vary` says), never an
# answer to a caller with a token (Varnish's built-in rules pass those, and the gateway marks them
# private), and drops answers by surrogate key when a load or seed says
# `PURGE /` with `Surrogate-Key: <keys>` (HUB_CDN_PURGE_URL, packages/kit/src/platform/cache-purge.ts).
# The backend below is rewritten by whoever deploys this file (the test puts the gateway's port in).

backend gateway {
  .host = "127.0.0.1";
  .port = "4000";
}

# Only the hub's own processes may purge: loopback here, the pods' network in a deployment.
acl purgers {
  "127.0.0.1";
  "::1";
}

sub vcl_recv {
  if (req.method == "PURGE") {
    if (client.ip !~ purgers) {
      return (synth(403, "Purging is for the hub's own processes"));
    }
    if (!req.http.Surrogate-Key || req.http.Surrogate-Key !~ "^[A-Za-z0-9:_.-]+( [A-Za-z0-9:_.-]+)*$") {
      return (synth(400, "Send Surrogate-Key: <space-separated keys>"));
    }
    # Every object one of whose keys is one of these: keys are whole words of Surrogate-Key.
    if (!std.ban("obj.http.Surrogate-Key ~ (^|[[:space:]])(" + regsuball(req.http.Surrogate-Key, " ", "|") + ")([[:space:]]|$)")) {
      return (synth(500, "Ban refused: " + std.ban_error()));
    }
    return (synth(200, "Purged " + req.http.Surrogate-Key));
  }
}

sub vcl_deliver {
  # Says whether an answer came from the cache: operators' curl, and the hub's test.
  if (obj.hits > 0) {
    set resp.http.X-Cache = "HIT";
  } else {
    set resp.http.X-Cache = "MISS";
  }
}
