"""Password hashing: Argon2id with parameters sized for a class on a 2-core server.

OWASP's "m=19 MiB, t=2, p=1" Argon2id profile costs about 30 ms of one core per hash
(``benchmarks/signin.py`` measures it), so 50 trainees signing in at once take under a
second of a 2-core server, against about 8 s with PBKDF2 at Django's 1,000,000 iterations,
while each guess still costs an attacker 19 MiB of memory (which GPUs make expensive).
Changing a parameter here re-hashes each password at its next successful sign-in.
"""

from __future__ import annotations

from django.contrib.auth import hashers


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
