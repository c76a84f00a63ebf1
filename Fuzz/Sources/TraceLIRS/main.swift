import FuzzSupport
import TheineSimulation

// The lirs trace decoder on arbitrary bytes (FuzzSupport/TraceDecoderCheck.swift).
runFuzzer { TraceDecoderCheck.check($0, format: .lirs) }
