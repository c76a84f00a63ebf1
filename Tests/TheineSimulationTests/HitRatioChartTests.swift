import Foundation
import Testing
import Theine
import TheineSimulation

#if canImport(FoundationXML)
import FoundationXML
#endif

struct HitRatioChartTests {
    static let report = Report(
        trace: "a<b & \"c\"",
        results: SimulatedPolicy.allPolicies.flatMap { policy in
            [100, 1_000, 10_000].enumerated().map { index, size in
                ReplayResult(policy: policy, capacity: size, requestCount: 1_000, hitCount: 100 * (index + 1))
            }
        }
    )

    /// The names of the elements of `svg` in document order, as an XML parser reads them;
    /// throws when the document is not well-formed XML.
    static func elementNames(_ svg: String) throws -> [String] {
        final class Collector: NSObject, XMLParserDelegate {
            var names: [String] = []
            func parser(
                _ parser: XMLParser,
                didStartElement elementName: String,
                namespaceURI: String?,
                qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                names.append(elementName)
            }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        guard parser.parse() else {
            throw TestSetupError("not well-formed XML: \(parser.parserError.map(String.init(describing:)) ?? "?")")
        }
        return collector.names
    }

    @Test func svg_isWellFormedWithOnePathPerPolicy() throws {
        let svg = HitRatioChart(reports: [Self.report]).svg()
        let names = try Self.elementNames(svg)
        #expect(names.first == "svg")
        #expect(names.filter { $0 == "path" }.count == SimulatedPolicy.allPolicies.count)
        #expect(svg.contains("a&lt;b &amp; &quot;c&quot;"))
        #expect(svg.contains("stroke-dasharray"))  // OPT
        #expect(svg.contains("hit ratio (%)") && svg.contains("cache size (entries, log scale)"))
    }

    @Test func svg_severalReports_onePanelEach() throws {
        let other = Report(trace: "b", results: [ReplayResult(policy: .lru, capacity: 5, requestCount: 4, hitCount: 1)])
        let names = try Self.elementNames(HitRatioChart(reports: [Self.report, other]).svg())
        #expect(names.filter { $0 == "g" }.count == 2)
        #expect(names.filter { $0 == "path" }.count == SimulatedPolicy.allPolicies.count + 1)
    }
}
