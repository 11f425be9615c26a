"""Accounts. One user model whose table exists in the public schema (portal accounts: regional
coordinators, ministry analysts) and in every centre's schema (that centre's staff). An account
therefore exists only where it was created: a Myślenice account does not exist at Dębica."""
