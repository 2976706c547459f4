//! The trigram language model (CMU Sphinx binary trie format).
