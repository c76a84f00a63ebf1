import FuzzSupport
import TheineSimulation

// The arc trace decoder on arbitrary bytes (FuzzSupport/TraceDecoderCheck.swift).
runFuzzer { TraceDecoderCheck.check($0, format: .arc) }
