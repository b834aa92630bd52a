"""Use cases: one function per action a person or an outside system takes.

Each authorizes through the access policy, acts, writes one audit record and commits once.
"""
