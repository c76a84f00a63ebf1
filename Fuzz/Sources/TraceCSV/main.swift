import FuzzSupport
import TheineSimulation

// The csv trace decoder on arbitrary bytes (FuzzSupport/TraceDecoderCheck.swift).
runFuzzer { TraceDecoderCheck.check($0, format: .csv) }
