"""Client data rights: export everything held about a client, erase or anonymise, retention."""
