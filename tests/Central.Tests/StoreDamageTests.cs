using System.Diagnostics;
using System.Net;
using System.Text;
using City.Central.Model;
using City.Central.Store;
using City.Contract;
using City.Contract.Wire;
using Xunit.Abstractions;

namespace City.Central.Tests;

/// <summary>A damaged central.db: refused at start with the file named, reported by `central store verify`,
/// and a page damaged while central runs degrades health without stopping the other gateways.</summary>
public sealed class StoreDamageTests(ITestOutputHelper output)
{
    private const int PageSize = 8192;
    private const byte IndexPage = 3;
    private const byte DataPage = 4;

    /// <summary>A store of two gateways with enough batches to fill a few dozen pages; returns the file.</summary>
    private static string CreateStore(string dataPath)
    {
        using var store = new LiteDbReadingStore(dataPath, syncCommits: false);
        var random = new Random(11);
        for (var g = 0; g < 2; g++)
        {
            var gateway = $"cab-{g}";
            var state = new GatewayState(gateway) { Epoch = 1, HasBirth = true, Online = true };
            state.Catalogue = [new CataloguePoint(1, "meter1/power", "kW", PointType.Number, "meter1", "power")];
            for (ulong seq = 1; seq <= 30; seq++)
            {
                var readings = Enumerable.Range(0, 400).Select(i => new Reading(1, (long)seq * 1_000_000 + i * 1000, PointValue.FromNumber(random.NextDouble()))).ToList();
                var batch = BatchCodec.Encode(new BatchHeader(gateway, 1, seq, 0), readings);
                state.CommittedSeqs.Add(seq);
                var commit = new CommitSet();
                commit.Batches.Add(new StoredBatch(gateway, seq, 1, BatchKind.Telemetry, readings[0].TimestampUnixMs, readings[^1].TimestampUnixMs, readings.Count, batch.Compression, batch.Body.ToByteArray(), 0) { BodyCrc32C = batch.BodyCrc32C });
                commit.Gateways.Add(new GatewayChange(state.Clone(), CatalogueChanged: seq == 1, LatestChanged: false));
                store.Commit(commit);
            }
        }

        return Path.Combine(dataPath, LiteDbReadingStore.FileName);
    }

    private static void Damage(string file, long offset, int seed)
    {
        var junk = new byte[4096];
        new Random(seed).NextBytes(junk);
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        stream.Position = offset;
        stream.Write(junk);
    }

    [Fact]
    public void Verify_FindsRandomBytesAtEveryPagePosition_AndPassesTheHealthyStore()
    {
        var dataPath = CentralHost.NewDataPath();
        var file = CreateStore(dataPath);
        var pages = new FileInfo(file).Length / PageSize;
        output.WriteLine($"{pages} pages");
        Assert.True(StoreVerifier.Verify(file).IsHealthy, string.Join("; ", StoreVerifier.Verify(file).Problems));

        var original = File.ReadAllBytes(file);
        for (var page = 0L; page < pages; page += Math.Max(1, pages / 16))
        {
            // Over the page start (the header), and over the second half of a data or index page (its slot
            // table); the unused second half of a header, collection or empty page holds nothing to lose.
            var pageType = original[(page * PageSize) + 4];
            foreach (var within in pageType is DataPage or IndexPage ? new[] { 0, PageSize / 2 } : [0])
            {
                File.WriteAllBytes(file, original);
                Damage(file, (page * PageSize) + within, (int)page);
                var report = StoreVerifier.Verify(file);
                Assert.False(report.IsHealthy, $"random bytes at page {page} + {within} went unnoticed");
                Assert.Equal(file, report.File);
                Assert.NotEmpty(report.Problems);
            }
        }

        Directory.Delete(dataPath, recursive: true);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task DamagedStore_CentralRefusesToStart_NamingTheFile_AndVerifyReportsIt(int page)
    {
        var dataPath = CentralHost.NewDataPath();
        var file = CreateStore(dataPath);
        var pages = new FileInfo(file).Length / PageSize;
        Damage(file, (page < 0 ? pages / 2 : page) * PageSize, 5);

        var (code, text) = await RunCentralAsync($"--Central:DataPath={dataPath}", "--Central:HttpUrl=http://127.0.0.1:0", "--Central:Mqtt:Port=0");
        output.WriteLine(text);
        Assert.NotEqual(0, code);
        Assert.Contains(file, text, StringComparison.Ordinal);
        Assert.Contains("damaged", text, StringComparison.Ordinal);
        Assert.Contains("central store verify", text, StringComparison.Ordinal);

        (code, text) = await RunCentralAsync("store", "verify", "--store", file);
        output.WriteLine(text);
        Assert.Equal(3, code);
        Assert.Contains(file, text, StringComparison.Ordinal);

        (code, text) = await RunCentralAsync("store", "verify", "--json", $"--Central:DataPath={dataPath}");
        Assert.Equal(3, code);
        Assert.Contains("\"healthy\":false", text, StringComparison.Ordinal);
        Directory.Delete(dataPath, recursive: true);
    }

    [Fact]
    public async Task VerifyOnAHealthyStore_ExitsZero()
    {
        var dataPath = CentralHost.NewDataPath();
        var file = CreateStore(dataPath);
        var (code, text) = await RunCentralAsync("store", "verify", "--store", dataPath);
        output.WriteLine(text);
        Assert.Equal(0, code);
        Assert.Contains(file, text, StringComparison.Ordinal);
        Directory.Delete(dataPath, recursive: true);
    }

    [Fact]
    public async Task PageDamagedWhileRunning_HealthDegraded_OtherGatewaysKeepCommitting()
    {
        var dataPath = CentralHost.NewDataPath();
        var random = new Random(3);
        var bigReadings = Enumerable.Range(0, 3000)
            .Select(i => new Reading(1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 600_000 + i, PointValue.FromNumber(random.NextDouble())))
            .ToList();
        byte[] payload;
        await using (var central = await CentralHost.StartAsync(dataPath, "--Central:AdmitOnBirth=true"))
        {
            await using var a = await FakeGateway.ConnectAsync(central.MqttPort, "cab-a");
            await using var b = await FakeGateway.ConnectAsync(central.MqttPort, "cab-b");
            await a.BirthAsync(1);
            await b.BirthAsync(1);
            payload = await a.DataAsync(1, bigReadings);
            Assert.Equal([1UL], (await a.NextAckAsync()).CommittedSeqs);
            await b.DataAsync(1, FakeGateway.SampleReadings(3));
            Assert.Equal([1UL], (await b.NextAckAsync()).CommittedSeqs);
        }

        // The page in the middle of cab-a's stored body: the running central has not read it yet.
        Assert.True(BatchCodec.TryParseEnvelope(payload, out var batch, out _));
        var body = batch.Body.ToByteArray();
        var file = Path.Combine(dataPath, LiteDbReadingStore.FileName);
        var offset = IndexOf(File.ReadAllBytes(file), body.AsSpan(body.Length / 2, 64));
        Assert.True(offset > 0, "the body is in the file");

        await using (var central = await CentralHost.StartAsync(dataPath, "--Central:AdmitOnBirth=true"))
        {
            await using var b = await FakeGateway.ConnectAsync(central.MqttPort, "cab-b");
            Damage(file, offset / PageSize * PageSize, 9);

            var (status, _) = await central.GetAsync("/api/v1/points/history?gateway=cab-a&point=meter1/power&from=2000-01-01T00:00:00Z");
            Assert.NotEqual(HttpStatusCode.OK, status);
            var (healthStatus, health) = await central.GetAsync("/healthz");
            output.WriteLine(health.ToString());
            Assert.Equal(HttpStatusCode.OK, healthStatus);
            Assert.Equal("degraded", health.GetProperty("status").GetString());
            Assert.Contains(file, health.GetProperty("storeError").GetString(), StringComparison.Ordinal);

            // Commits that do not touch the damaged page go on, and are acknowledged.
            for (ulong seq = 2; seq <= 4; seq++)
            {
                await b.DataAsync(seq, FakeGateway.SampleReadings(3));
                Assert.Equal([seq], (await b.NextAckAsync()).CommittedSeqs);
            }

            Assert.Equal("1-4", (await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray().Single(g => g.GetProperty("id").GetString() == "cab-b").GetProperty("committedSeqs").GetString());
        }

        Directory.Delete(dataPath, recursive: true);
    }

    private static long IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);

    /// <summary>central as a real process from this test's output directory; its exit code and everything it printed.</summary>
    private static async Task<(int Code, string Output)> RunCentralAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "central.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"central {string.Join(' ', arguments)} did not exit within 30 s (it should refuse to start):\n{await stdout}{await stderr}");
        }

        return (process.ExitCode, new StringBuilder().Append(await stdout).Append(await stderr).ToString());
    }
}
