"""The work behind activities, run by the jobs function one chunk per job: a retried chunk never
does an item twice (per-item markers, TikTok idempotency keys), and a stopped one resumes from the
cursor its activity keeps."""
