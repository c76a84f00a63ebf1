import Foundation

/// A hit-ratio-versus-cache-size chart of reports, as a standalone SVG document.
///
/// ```swift
/// let svg = HitRatioChart(reports: [report]).svg()
/// try svg.write(toFile: "oltp.svg", atomically: true, encoding: .utf8)
/// ```
///
/// Each report is a panel, one under another: cache size on the horizontal axis (logarithmic when
/// the sizes span a factor of 4 or more, with a tick at each size), hit ratio in percent on the
/// vertical axis, one line (a single `path`) per policy with a dot at each size, OPT dashed in
/// black, and a legend on the right. Text is at least 12 px, so it reads without zooming.
public struct HitRatioChart: Sendable {
    /// The reports, one panel each.
    public var reports: [Report]

    /// Creates a chart of `reports`.
    public init(reports: [Report]) {
        self.reports = reports
    }

    private static let width = 760.0
    private static let panelHeight = 400.0
    private static let plot = (left: 70.0, right: 560.0, top: 50.0, bottom: 340.0)
    /// Line colors for the policies other than OPT, in order (colorblind-safe, Okabe and Ito).
    private static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442"]

    /// The SVG document.
    ///
    /// - Complexity: O(results).
    public func svg() -> String {
        let height = Self.panelHeight * Double(max(reports.count, 1))
        var text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(Self.width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(Self.width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="13">
            <rect width="100%" height="100%" fill="white"/>

            """
        for (index, report) in reports.enumerated() {
            text += "<g transform=\"translate(0 \(Self.number(Double(index) * Self.panelHeight)))\">\n"
            text += panel(report)
            text += "</g>\n"
        }
        return text + "</svg>\n"
    }

    /// One report's axes, lines and legend.
    private func panel(_ report: Report) -> String {
        let plot = Self.plot
        let sizes = Array(Set(report.results.map(\.capacity))).sorted()
        var policies: [SimulatedPolicy] = []
        for result in report.results where !policies.contains(result.policy) {
            policies.append(result.policy)
        }
        let smallest = Double(sizes.first ?? 1)
        let largest = Double(sizes.last ?? 1)
        let isLogarithmic = largest / smallest >= 4
        func x(_ size: Int) -> Double {
            guard largest > smallest else { return (plot.left + plot.right) / 2 }
            let position =
                isLogarithmic
                ? log(Double(size) / smallest) / log(largest / smallest)
                : (Double(size) - smallest) / (largest - smallest)
            return plot.left + 20 + position * (plot.right - plot.left - 40)
        }
        let top = min(100, max(10, ((report.results.map(\.hitRatio).max() ?? 0) / 10).rounded(.up) * 10))
        func y(_ ratio: Double) -> Double {
            plot.bottom - ratio / top * (plot.bottom - plot.top)
        }
        let requests = report.results.first?.requestCount ?? 0
        var text = "<text x=\"\(Self.number(plot.left))\" y=\"28\" font-size=\"16\" font-weight=\"bold\">"
        text += Self.escaped("\(report.trace): hit ratio by cache size (\(requests) requests)") + "</text>\n"
        // Horizontal grid lines and the vertical axis's labels.
        let step = top <= 20 ? 2.0 : top <= 50 ? 5.0 : 10.0
        for ratio in stride(from: 0.0, through: top, by: step) {
            let level = Self.number(y(ratio))
            text +=
                "<line x1=\"\(Self.number(plot.left))\" y1=\"\(level)\" x2=\"\(Self.number(plot.right))\" y2=\"\(level)\" "
            text += "stroke=\"\(ratio == 0 ? "#333" : "#ddd")\"/>\n"
            text += "<text x=\"\(Self.number(plot.left - 8))\" y=\"\(Self.number(y(ratio) + 4))\" text-anchor=\"end\">"
            text += "\(Int(ratio))</text>\n"
        }
        text +=
            "<line x1=\"\(Self.number(plot.left))\" y1=\"\(Self.number(plot.top))\" x2=\"\(Self.number(plot.left))\" "
        text += "y2=\"\(Self.number(plot.bottom))\" stroke=\"#333\"/>\n"
        for size in sizes {
            text += "<text x=\"\(Self.number(x(size)))\" y=\"\(Self.number(plot.bottom + 20))\" text-anchor=\"middle\">"
            text += "\(size)</text>\n"
        }
        let scale = isLogarithmic ? ", log scale" : ""
        text += "<text x=\"\(Self.number((plot.left + plot.right) / 2))\" y=\"\(Self.number(plot.bottom + 45))\" "
        let unit = report.isWeighted ? "weight" : "entries"
        text += "text-anchor=\"middle\">cache size (\(unit)\(scale))</text>\n"
        text += "<text transform=\"translate(22 \(Self.number((plot.top + plot.bottom) / 2))) rotate(-90)\" "
        text += "text-anchor=\"middle\">hit ratio (%)</text>\n"
        // One line per policy, then its legend entry.
        var colorIndex = 0
        for (index, policy) in policies.enumerated() {
            let isOptimal = policy == .optimal
            let color = isOptimal ? "#000000" : Self.palette[colorIndex % Self.palette.count]
            if !isOptimal { colorIndex += 1 }
            let dash = isOptimal ? " stroke-dasharray=\"7 5\"" : ""
            let points = report.results.filter { $0.policy == policy }.sorted { $0.capacity < $1.capacity }
            let data = points.enumerated().map { offset, result in
                "\(offset == 0 ? "M" : "L")\(Self.number(x(result.capacity))) \(Self.number(y(result.hitRatio)))"
            }.joined(separator: " ")
            let name = Self.escaped(policy.name)
            text += "<path d=\"\(data)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2.5\"\(dash)>"
            text += "<title>\(name)</title></path>\n"
            for result in points {
                text += "<circle cx=\"\(Self.number(x(result.capacity)))\" cy=\"\(Self.number(y(result.hitRatio)))\" "
                text += "r=\"3.5\" fill=\"\(color)\"/>\n"
            }
            let legendY = plot.top + 10 + Double(index) * 24
            text += "<line x1=\"\(Self.number(plot.right + 30))\" y1=\"\(Self.number(legendY))\" "
            text += "x2=\"\(Self.number(plot.right + 70))\" y2=\"\(Self.number(legendY))\" stroke=\"\(color)\" "
            text += "stroke-width=\"2.5\"\(dash)/>\n"
            text += "<text x=\"\(Self.number(plot.right + 78))\" y=\"\(Self.number(legendY + 4))\">\(name)</text>\n"
        }
        return text
    }

    /// `value` with at most one decimal, as SVG coordinates are written.
    private static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// `text` with the characters that XML reserves replaced by entities.
    private static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}
