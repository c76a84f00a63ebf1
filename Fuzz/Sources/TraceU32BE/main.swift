import FuzzSupport
import TheineSimulation

// The u32be trace decoder on arbitrary bytes (FuzzSupport/TraceDecoderCheck.swift).
runFuzzer { TraceDecoderCheck.check($0, format: .u32be) }
