import FuzzSupport

// The format guesser on arbitrary file names (FuzzSupport/TraceFileNameCheck.swift).
runFuzzer(TraceFileNameCheck.check)
