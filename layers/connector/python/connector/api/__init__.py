"""HTTP-facing pieces shared by the API functions: error shapes and resolver set-up."""
