using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using City.Browser.Tests;
using MQTTnet;
using OpenQA.Selenium;

namespace City.Benchmarks.PageScale;

/// <summary>
/// <c>Benchmarks page-scale</c>: the operator page with a district of <c>--cabinets</c> cabinets of <c>--lamps</c> lamps each
/// against a running central. Plays the cabinets (<see cref="DistrictGateway"/>), opens the page in headless chromium,
/// signs in and measures the time to the first full map (every cabinet and lamp element there), the page's JS heap after
/// a garbage collection, and the update time of lamp failures (from the batch's publish and from central's ack, which
/// follows the commit, to the lamp's <c>data-state="failed"</c> on the page, seen by a MutationObserver).
/// benchmarks/page-scale.sh starts central and runs this.
/// </summary>
internal static class PageScaleBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Options.Parse(args);
        var district = new District(options.Cabinets, options.Lamps);
        var factory = new MqttClientFactory();
        var gateways = Enumerable.Range(0, options.Cabinets).Select(c => new DistrictGateway(district, c, factory)).ToList();
        try
        {
            var clock = Stopwatch.StartNew();
            var started = 0;
            using (var gate = new SemaphoreSlim(options.Concurrency))
            {
                await Task.WhenAll(gateways.Select(async g =>
                {
                    await gate.WaitAsync();
                    try
                    {
                        await g.StartAsync(options.BrokerHost, options.BrokerPort, options.TlsDirectory, CancellationToken.None);
                    }
                    finally
                    {
                        gate.Release();
                    }

                    var up = Interlocked.Increment(ref started);
                    if (up % 100 == 0)
                    {
                        Console.Error.WriteLine($"  {up} cabinets up after {clock.Elapsed.TotalSeconds:F0} s");
                    }
                }));
            }

            Console.WriteLine($"district: {options.Cabinets} cabinets, {options.Cabinets * options.Lamps} lamps born and their first batch acknowledged in {clock.Elapsed.TotalSeconds:F1} s");
            await PrintMapAnswerAsync(options);

            using var browser = HeadlessChromium.Start(1600, 1000);
            browser.Driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromMinutes(10);
            var load = FirstFullMap(browser, options);
            Console.WriteLine($"first full map: {load.SignInToFullMs} ms from the sign-in click to {options.Cabinets} cabinets and {options.Cabinets * options.Lamps} lamps in the DOM (page shell loaded in {load.ShellMs} ms)");
            var heap = Heap(browser);
            Console.WriteLine($"JS heap after GC: used {heap.UsedMiB:F1} MiB, total {heap.TotalMiB:F1} MiB; DOM nodes {heap.Nodes}; documents {heap.Documents}");

            WaitFor(() => browser.OneByTestId("stream-state") is { Text: "live" } live ? live : null, TimeSpan.FromMinutes(1), "stream-state 'live'");
            var updates = new List<(double FromPublishMs, double FromAckMs, double AlarmFromPublishMs)>();
            for (var round = 0; round < options.Updates; round++)
            {
                var cabinet = ((round * 211) + 17) % options.Cabinets;
                var lamp = ((round * 7) + 3) % options.Lamps;
                updates.Add(await UpdateAsync(browser, gateways[cabinet], lamp));
                var last = updates[^1];
                Console.WriteLine($"update {round + 1}: {gateways[cabinet].Id} {District.LampId(lamp)} failed on the page {last.FromPublishMs:F0} ms after the publish, {last.FromAckMs:F0} ms after central's ack; its alarm row {last.AlarmFromPublishMs:F0} ms after the publish");
            }

            var severe = browser.SevereConsoleEntries();
            Console.WriteLine($"console errors: {severe.Count}{string.Concat(severe.Take(5).Select(e => "\n  " + e.Message))}");
            if (updates.Count > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"update time: median {Median(updates.Select(u => u.FromPublishMs)):F0} ms from publish (max {updates.Max(u => u.FromPublishMs):F0}), median {Median(updates.Select(u => u.FromAckMs)):F0} ms from central's ack; alarm row median {Median(updates.Select(u => u.AlarmFromPublishMs)):F0} ms"));
            }

            return 0;
        }
        finally
        {
            await Task.WhenAll(gateways.Select(g => g.DisposeAsync().AsTask()));
        }
    }

    /// <summary>GET /api/v1/map as the page asks for it: its time and size, and that it holds the whole district.</summary>
    private static async Task PrintMapAnswerAsync(Options options)
    {
        using var http = new HttpClient { BaseAddress = options.PageUri, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(new Uri("/api/v1/map", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        var elapsed = clock.Elapsed;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET /api/v1/map: {(int)response.StatusCode} {body}");
        }

        var map = JsonNode.Parse(body)!;
        Console.WriteLine($"GET /api/v1/map: {map["cabinets"]?.AsArray().Count} cabinets, {map["lamps"]?.AsArray().Count} lamps, {body.Length / 1024.0:F0} KiB in {elapsed.TotalMilliseconds:F0} ms");
    }

    private static (long ShellMs, long SignInToFullMs) FirstFullMap(HeadlessChromium browser, Options options)
    {
        var shell = Stopwatch.StartNew();
        // A new browser profile: nothing remembered, the page opens signed out.
        browser.Driver.Navigate().GoToUrl(options.PageUri);
        var input = WaitFor(() => browser.OneByTestId("token"), TimeSpan.FromMinutes(1), "the token input");
        var shellMs = shell.ElapsedMilliseconds;
        input.SendKeys(options.Token);
        var clicked = Convert.ToInt64(browser.Script("return Date.now();"), CultureInfo.InvariantCulture);
        browser.OneByTestId("signin")!.Click();
        // Polls in the page (every 50 ms) until every cabinet and lamp element is there, then waits for the next frame.
        var full = Convert.ToInt64(browser.Driver.ExecuteAsyncScript("""
            const [cabinets, lamps, done] = arguments;
            const check = () => {
              if (document.querySelectorAll('[data-testid=cabinet]').length >= cabinets
                  && document.querySelectorAll('[data-testid=lamp]').length >= lamps) {
                requestAnimationFrame(() => done(Date.now()));
              } else {
                setTimeout(check, 50);
              }
            };
            check();
            """, options.Cabinets, options.Cabinets * options.Lamps), CultureInfo.InvariantCulture);
        // The page's own GET /api/v1/map (Resource Timing): when it was sent and when its last byte came, after the click.
        var mapFetch = browser.Script("""
            const entry = performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/map')).pop();
            return entry ? [performance.timeOrigin + entry.requestStart, performance.timeOrigin + entry.responseEnd] : null;
            """) as IReadOnlyList<object>;
        if (mapFetch is [var sent, var received])
        {
            var sentMs = Convert.ToDouble(sent, CultureInfo.InvariantCulture) - clicked;
            var receivedMs = Convert.ToDouble(received, CultureInfo.InvariantCulture) - clicked;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  the page's GET /api/v1/map: sent {sentMs:F0} ms after the click, last byte at {receivedMs:F0} ms; drawn {full - clicked - receivedMs:F0} ms after that"));
        }

        return (shellMs, full - clicked);
    }

    private static (double UsedMiB, double TotalMiB, long Nodes, long Documents) Heap(HeadlessChromium browser)
    {
        browser.Driver.ExecuteCdpCommand("HeapProfiler.collectGarbage", []);
        browser.Driver.ExecuteCdpCommand("Performance.enable", []);
        var answer = browser.Driver.ExecuteCdpCommand("Performance.getMetrics", []) as Dictionary<string, object>
            ?? throw new InvalidOperationException("Performance.getMetrics gave no metrics");
        var metrics = ((IEnumerable<object>)answer["metrics"]).Cast<Dictionary<string, object>>()
            .ToDictionary(m => (string)m["name"], m => Convert.ToDouble(m["value"], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        return (metrics["JSHeapUsedSize"] / 1048576, metrics["JSHeapTotalSize"] / 1048576, (long)metrics["Nodes"], (long)metrics["Documents"]);
    }

    private static async Task<(double FromPublishMs, double FromAckMs, double AlarmFromPublishMs)> UpdateAsync(HeadlessChromium browser, DistrictGateway gateway, int lamp)
    {
        var armed = (string?)browser.Script("""
            const [gateway, lamp] = arguments;
            const lampSelector = `[data-testid=lamp][data-gateway="${gateway}"][data-lamp="${lamp}"]`;
            const rowSelector = `[data-testid=alarm][data-gateway="${gateway}"][data-kind=lamp-failure]`;
            const failed = () => document.querySelector(lampSelector)?.getAttribute('data-state') === 'failed';
            if (!document.querySelector(lampSelector)) return 'no such lamp element';
            if (failed()) return 'already failed';
            if (document.querySelector(rowSelector)) return 'already an alarm row';
            window.__lampFailedAt = null;
            window.__alarmAt = null;
            // The whole document: the page may update the lamp's element in place or replace it.
            const watch = new MutationObserver(() => {
              const now = Date.now();
              if (window.__lampFailedAt === null && failed()) window.__lampFailedAt = now;
              if (window.__alarmAt === null && document.querySelector(rowSelector)) window.__alarmAt = now;
              if (window.__lampFailedAt !== null && window.__alarmAt !== null) watch.disconnect();
            });
            watch.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-state', 'data-kind'] });
            return 'armed';
            """, gateway.Id, District.LampId(lamp));
        if (armed != "armed")
        {
            throw new InvalidOperationException($"{gateway.Id} {District.LampId(lamp)}: {armed}");
        }

        var (published, acknowledged) = await gateway.FailLampAsync(lamp, CancellationToken.None);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var seen = browser.Script("return [window.__lampFailedAt, window.__alarmAt];") as IReadOnlyList<object?>;
            if (seen is [not null, not null])
            {
                var lampAt = DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(seen[0], CultureInfo.InvariantCulture));
                var alarmAt = DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(seen[1], CultureInfo.InvariantCulture));
                return ((lampAt - published).TotalMilliseconds, (lampAt - acknowledged).TotalMilliseconds, (alarmAt - published).TotalMilliseconds);
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException($"{gateway.Id} {District.LampId(lamp)} not failed on the page (and its alarm row) 2 minutes after the publish: {seen?[0]}, {seen?[1]}");
            }

            await Task.Delay(50);
        }
    }

    private static IWebElement WaitFor(Func<IWebElement?> find, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (find() is { Displayed: true } element)
            {
                return element;
            }

            Thread.Sleep(20);
        }

        throw new TimeoutException($"no {what} within {timeout}");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed record Options(Uri PageUri, string Token, string BrokerHost, int BrokerPort, string TlsDirectory, int Cabinets, int Lamps, int Updates, int Concurrency)
    {
        public static Options Parse(string[] args)
        {
            string Value(string name, string? fallback = null)
            {
                var index = Array.IndexOf(args, name);
                return index >= 0 && index + 1 < args.Length ? args[index + 1]
                    : fallback ?? throw new ArgumentException($"page-scale needs {name} (usage: page-scale --url URL --token TOKEN --broker HOST:PORT --tls-dir DIR [--cabinets 1000] [--lamps 34] [--updates 5] [--concurrency 32])");
            }

            int Number(string name, string fallback) => int.Parse(Value(name, fallback), CultureInfo.InvariantCulture);
            var broker = Value("--broker").Split(':');
            return new Options(
                new Uri(Value("--url")), Value("--token"), broker[0], int.Parse(broker[1], CultureInfo.InvariantCulture), Value("--tls-dir"),
                Number("--cabinets", "1000"), Number("--lamps", "34"), Number("--updates", "5"), Number("--concurrency", "32"));
        }
    }
}
