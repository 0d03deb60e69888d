//! The latency-vs-load chart: p50 (solid) and p99 (dashed) against offered concurrency for
//! Health/Check, the dry-run triage and the stored triage, both axes logarithmic, as SVG.

use plotters::prelude::*;

use super::model::SweepPoint;

const COLOURS: [RGBColor; 3] = [RGBColor(0x1f, 0x77, 0xb4), RGBColor(0xd6, 0x27, 0x28), RGBColor(0x2c, 0xa0, 0x2c)];

/// The chart of `points` as SVG text.
pub fn svg(points: &[SweepPoint], title: &str) -> Result<String, String> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (900, 560)).into_drawing_area();
        draw(&root, points, title).map_err(|e| format!("drawing the chart: {e}"))?;
        root.present().map_err(|e| format!("drawing the chart: {e}"))?;
    }
    Ok(text)
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    points: &[SweepPoint],
    title: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let ms = |us: f64| (us / 1_000.0).max(0.001);
    let max_c = points.iter().map(|p| p.concurrency).max().unwrap_or(1).max(2) as f64;
    let lo = points.iter().map(|p| ms(p.p50_us)).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| ms(p.p99_us)).fold(0.0, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > 0.0 { (lo / 1.5, hi * 1.5) } else { (0.01, 100.0) };
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d((0.8..max_c * 1.25).log_scale(), (lo..hi).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("offered concurrency (calls in flight)")
        .y_desc("latency (ms)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| if *y >= 1.0 { format!("{y:.0}") } else { format!("{y:.2}") })
        .draw()?;
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for p in points {
        if !keys.iter().any(|(k, _)| *k == p.key) {
            keys.push((p.key.as_str(), p.name.as_str()));
        }
    }
    for (i, (key, name)) in keys.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let series: Vec<&SweepPoint> = points.iter().filter(|p| p.key == *key).collect();
        let p50: Vec<(f64, f64)> = series.iter().map(|p| (p.concurrency as f64, ms(p.p50_us))).collect();
        let p99: Vec<(f64, f64)> = series.iter().map(|p| (p.concurrency as f64, ms(p.p99_us))).collect();
        chart
            .draw_series(LineSeries::new(p50.clone(), colour.stroke_width(2)))?
            .label(format!("{name} p50"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
        chart.draw_series(p50.iter().map(|&(x, y)| Circle::new((x, y), 3, colour.filled())))?;
        chart
            .draw_series(DashedLineSeries::new(p99.clone(), 6, 4, colour.stroke_width(2)))?
            .label(format!("{name} p99"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 6, y), (x + 10, y), (x + 16, y)], colour.stroke_width(1))
            });
        chart.draw_series(p99.iter().map(|&(x, y)| TriangleMarker::new((x, y), 4, colour.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_is_an_svg_with_every_series_named() {
        let point = |key: &str, name: &str, c: usize, p50: f64| SweepPoint {
            key: key.into(),
            name: name.into(),
            concurrency: c,
            calls_per_sec: 1000.0,
            p50_us: p50,
            p99_us: p50 * 3.0,
        };
        let points = vec![
            point("health", "Health/Check", 1, 100.0),
            point("health", "Health/Check", 16, 400.0),
            point("dry", "dry run", 1, 900.0),
        ];
        let svg = svg(&points, "latency").expect("drawn");
        assert!(svg.starts_with("<svg"), "{}", &svg[..60]);
        assert!(svg.contains("Health/Check p99") && svg.contains("dry run p50"));
    }
}
