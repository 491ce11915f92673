using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Dali;
using City.Edge.Devices;
using City.Protocols.Dali;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace City.Edge.Tests;

/// <summary>The whole edge in-process with one DALI line whose interface is a <see cref="DaliFakeLine"/>.</summary>
public sealed class DaliLocalApiTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly DaliFakeLine _fake = new();
    private BatchBuffer? _buffer;
    private WebApplication? _app;
    private HttpClient? _http;

    public async Task InitializeAsync()
    {
        for (int i = 0; i < 4; i++)
        {
            _fake.Gear.Add(new DaliFakeGear((byte)i));
        }

        _fake.At(2).LampFailure = true;
        var values = TestConfig.Valid();
        values["Edge:Buffer:Path"] = _dir.File("buffer.db");
        values["Edge:LocalApi:SocketPath"] = _dir.File("api.sock");
        values["Edge:Devices:0:Enabled"] = "false";
        values["Edge:DaliLines:0:Name"] = "lights";
        values["Edge:DaliLines:0:Port"] = "/dev/fake-dali";
        values["Edge:DaliLines:0:StatusPeriodMs"] = "200";
        for (int i = 0; i < 4; i++)
        {
            values[$"Edge:DaliLines:0:Gear:{i}:Address"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            values[$"Edge:DaliLines:0:Gear:{i}:Location"] = $"P-{i}";
        }

        var (ok, settings, errors) = TestConfig.Load(values);
        Assert.True(ok, string.Join("\n", errors));
        _buffer = BatchBuffer.Open(settings.Options.Buffer.Path, settings.Options.Buffer.MaxBytes, settings.Options.GatewayId);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = _dir.Path });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IDaliMasterFactory>(new FixedMasterFactory(_fake));
        _app = Program.Build(builder, Program.WithAliases(settings, _buffer), _buffer, TimeProvider.System, out var socketPath);
        await _app.StartAsync();
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellation) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellation);
                return new NetworkStream(socket, ownsSocket: true);
            },
        })
        { BaseAddress = new Uri("http://edge"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _buffer?.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task FailedLamp_ReachesTheBufferAsAnEvent_AndADimCommandChangesTheLamps()
    {
        var failed = await WaitForAsync(async () =>
        {
            var lines = await GetAsync("/v1/dali");
            var gear = lines.RootElement[0].GetProperty("gear")[2];
            return gear.GetProperty("lampFailure").ValueKind == JsonValueKind.True;
        });
        Assert.True(failed, "gear 2's lamp failure never showed in /v1/dali");

        var eventsAlias = _buffer!.AliasOf("lights/events");
        var buffered = await WaitForAsync(() => Task.FromResult(BufferedTexts(eventsAlias).Contains("lamp-failed: gear 2 (P-2)")));
        Assert.True(buffered, "the lamp-failed event never reached the buffer");

        var (status, body) = await PostAsync("/v1/dali/lights/commands", """{"target":"broadcast","command":"dapc","level":128}""");
        Assert.Equal(200, status);
        Assert.True(body.RootElement.GetProperty("ok").GetBoolean());
        Assert.All(_fake.Gear, g => Assert.Equal(128, g.Level));

        var levelAlias = _buffer.AliasOf("lights/g1.level");
        Assert.True(await WaitForAsync(() => Task.FromResult(BufferedNumbers(levelAlias).Contains(128))), "level 128 never reached the buffer");
    }

    [Fact]
    public async Task CommandsAndScan_AnswerWithClearStatuses()
    {
        var (status, body) = await PostAsync("/v1/dali/nope/commands", """{"target":"broadcast","command":"off"}""");
        Assert.Equal(404, status);
        Assert.Equal("not-found", body.RootElement.GetProperty("status").GetString());

        (status, body) = await PostAsync("/v1/dali/lights/commands", """{"target":"gear:99","command":"off"}""");
        Assert.Equal(400, status);
        Assert.Contains("gear:0-63", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);

        (status, body) = await PostAsync("/v1/dali/lights/scan", "{}");
        Assert.Equal(200, status);
        var gear = body.RootElement.GetProperty("gear");
        Assert.Equal(4, gear.GetArrayLength());
        Assert.Equal(6, gear[0].GetProperty("deviceType").GetInt32());
        Assert.Contains("LampFailure", gear[2].GetProperty("status").GetString(), StringComparison.Ordinal);

        _fake.Powered = false;
        (status, body) = await PostAsync("/v1/dali/lights/commands", """{"target":"broadcast","command":"off"}""");
        Assert.Equal(503, status);
        Assert.Equal("no-power", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Scan_StreamsProgressWhileItRuns_ThenTheSameResultAsThePlainAnswer()
    {
        var (plainStatus, plain) = await PostAsync("/v1/dali/lights/scan", "{}");
        Assert.Equal(200, plainStatus);

        // The scan stops at address 10 until the test has read a progress line: progress must arrive while the scan runs.
        using var progressSeen = new ManualResetEventSlim();
        var holdAt = DaliGear.QueryStatus(DaliAddress.Short(10)).Frame;
        _fake.BeforeTransaction = (_, frame) =>
        {
            if (frame == holdAt)
            {
                progressSeen.Wait(TimeSpan.FromSeconds(60));
            }
        };

        var (status, mediaType, lines) = await PostStreamingAsync("/v1/dali/lights/scan", () => progressSeen.Set());
        _fake.BeforeTransaction = null;

        Assert.Equal(200, status);
        Assert.Equal("application/x-ndjson", mediaType);
        Assert.True(progressSeen.IsSet);
        var progress = lines.Take(lines.Count - 1).Select(l => l.RootElement.GetProperty("progress")).ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, p => Assert.Equal(64, p.GetProperty("total").GetInt32()));
        Assert.Equal("scan", progress[0].GetProperty("stage").GetString());
        var done = progress.Select(p => p.GetProperty("done").GetInt32()).ToList();
        Assert.Equal(done.Order(), done);
        Assert.Equal(64, done[^1]);
        var result = lines[^1].RootElement.GetProperty("result");
        Assert.Equal(plain.RootElement.GetRawText(), result.GetRawText());
    }

    [Fact]
    public async Task StreamedScan_OnALineWithoutPower_EndsWithAClearNoPowerResult()
    {
        _fake.Powered = false;

        var (status, mediaType, lines) = await PostStreamingAsync("/v1/dali/lights/scan", () => { });

        Assert.Equal(200, status);
        Assert.Equal("application/x-ndjson", mediaType);
        var result = lines[^1].RootElement.GetProperty("result");
        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Equal("no-power", result.GetProperty("status").GetString());
        Assert.Contains("no power", result.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamedCommission_OnABusyLine_IsRefusedWithThePlainBusyAnswer()
    {
        var registry = _app!.Services.GetRequiredService<DaliLineRegistry>();
        Assert.True(await WaitForAsync(() => Task.FromResult(registry.Find("lights") is not null)), "the line never started");
        var line = registry.Find("lights")!;
        using var pause = line.Bus.TryPausePolling("scan");
        Assert.NotNull(pause);

        var (status, mediaType, lines) = await PostStreamingAsync("/v1/dali/lights/commission", () => { });

        Assert.Equal(409, status);
        Assert.Equal("application/json", mediaType);
        var answer = Assert.Single(lines).RootElement;
        Assert.Equal("busy", answer.GetProperty("status").GetString());
        Assert.Contains("busy: a scan is running", answer.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Posts asking for ndjson and reads the answer line by line as it arrives (a plain JSON answer is one "line").</summary>
    private async Task<(int Status, string? MediaType, List<JsonDocument> Lines)> PostStreamingAsync(string path, Action onFirstProgress)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/x-ndjson");
        using var response = await _http!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType != "application/x-ndjson")
        {
            return ((int)response.StatusCode, mediaType, [JsonDocument.Parse(await response.Content.ReadAsStringAsync())]);
        }

        var lines = new List<JsonDocument>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            var document = JsonDocument.Parse(line);
            lines.Add(document);
            if (document.RootElement.TryGetProperty("progress", out _))
            {
                onFirstProgress();
            }
        }

        Assert.True(lines[^1].RootElement.TryGetProperty("result", out _), "the stream did not end with a result line");
        return ((int)response.StatusCode, mediaType, lines);
    }

    private List<string> BufferedTexts(uint alias) => Buffered(alias).Select(r => r.Value.Text ?? string.Empty).ToList();

    private List<double> BufferedNumbers(uint alias) => Buffered(alias).Select(r => r.Value.Number).ToList();

    private List<City.Contract.Reading> Buffered(uint alias)
    {
        var batches = _buffer!.TakePending(10_000, liveFromSeq: 0);
        foreach (var batch in batches)
        {
            _buffer.Release(batch.Seq);
        }

        return batches.SelectMany(BatchBuffer.DecodeReadings).Where(r => r.Alias == alias).ToList();
    }

    private static async Task<bool> WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    private async Task<JsonDocument> GetAsync(string path)
    {
        using var response = await _http!.GetAsync(new Uri(path, UriKind.Relative));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private async Task<(int Status, JsonDocument Body)> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await _http!.PostAsync(new Uri(path, UriKind.Relative), content);
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    private sealed class FixedMasterFactory(IDaliMaster master) : IDaliMasterFactory
    {
        public IDaliMaster Open(DaliLineDefinition line) => master;
    }
}
