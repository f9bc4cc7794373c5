"""Who may see what: roles and their scopes (``access``), and the views of firm-based figures
that roles without firm rights are given (``published``). Core policy, used by every face."""
