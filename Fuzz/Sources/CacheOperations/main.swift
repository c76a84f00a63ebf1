import FuzzSupport

// The Cache API as an interpreter of operations (FuzzSupport/CacheOperationsCheck.swift).
runFuzzer(CacheOperationsCheck.check)
