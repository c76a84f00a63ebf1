import FuzzSupport
import TheineSimulation

// The keys trace decoder on arbitrary bytes (FuzzSupport/TraceDecoderCheck.swift).
runFuzzer { TraceDecoderCheck.check($0, format: .keys) }
