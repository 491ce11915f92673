using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Encodings.Web;
using System.Text.Json;
using City.Protocols.Dali;
using City.Protocols.Dali.Luba;

namespace City.EdgeCtl.Dali;

/// <summary>A failure reported as one line on stderr (and {"error": ...} with --json), exit code 1.</summary>
internal sealed class DaliCliException(string message) : Exception(message);

/// <summary>One gear as <c>edgectl dali scan --json</c> prints it (the daemon's /scan answer has the same fields).</summary>
internal sealed record DaliScanRow(int Address, int? DeviceType, int? Level, string Status);

/// <summary>
/// <c>edgectl dali scan|commission|identify|set LINE ...</c>. LINE is a DALI line the edge daemon runs (by name; the daemon
/// pauses polling on it) or <c>serial:///dev/ttyX</c>, a LUBA interface opened directly when no daemon owns it.
/// </summary>
internal static class DaliCli
{
    public const string SerialScheme = "serial://";

    public static Command Create(Option<string> socketOption, Option<bool> jsonOption, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(socketOption);
        ArgumentNullException.ThrowIfNull(jsonOption);
        var windowOption = new Option<int>("--answer-window-ms")
        {
            Description = "serial:// only: how long to wait for a backward frame after a query (a loaded host or a USB adapter may need more)",
            DefaultValueFactory = _ => 100,
            Recursive = true,
        };
        var lineArgument = new Argument<string>("line") { Description = "A DALI line of the edge daemon (its name), or serial:///dev/ttyX for a LUBA interface no daemon owns" };

        var scan = new Command("scan", "Which short addresses answer: device type, level and status of each gear") { lineArgument };
        scan.SetAction((parse, cancellation) => RunAsync(parse.GetValue(jsonOption), output, error, json =>
            ScanAsync(Access(parse.GetValue(lineArgument)!, parse.GetValue(socketOption)!, parse.GetValue(windowOption)), json, output, error, cancellation)));

        var allOption = new Option<bool>("--all") { Description = "Re-address every gear (default: keep existing short addresses, address only new or replaced gear)" };
        var commission = new Command("commission", "Random-address search: give short addresses to gear that have none") { lineArgument, allOption };
        commission.SetAction((parse, cancellation) => RunAsync(parse.GetValue(jsonOption), output, error, json =>
            CommissionAsync(Access(parse.GetValue(lineArgument)!, parse.GetValue(socketOption)!, parse.GetValue(windowOption)), parse.GetValue(allOption), json, output, error, cancellation)));

        var addressArgument = new Argument<int>("address") { Description = "Short address 0-63" };
        var identify = new Command("identify", "Make one lamp blink (IDENTIFY DEVICE)") { lineArgument, addressArgument };
        identify.SetAction((parse, cancellation) => RunAsync(parse.GetValue(jsonOption), output, error, json =>
            SendAsync(Access(parse.GetValue(lineArgument)!, parse.GetValue(socketOption)!, parse.GetValue(windowOption)), $"gear:{parse.GetValue(addressArgument).ToString(CultureInfo.InvariantCulture)}", "identify", null, json, output, cancellation)));

        var targetArgument = new Argument<string>("target") { Description = "gear:N (0-63), group:N (0-15) or broadcast" };
        var levelArgument = new Argument<string>("level") { Description = "Arc level 0-254 (DAPC), or off, max, min, scene:N" };
        var set = new Command("set", "Set the level of a gear, a group or the whole line") { lineArgument, targetArgument, levelArgument };
        set.SetAction((parse, cancellation) => RunAsync(parse.GetValue(jsonOption), output, error, json =>
        {
            var (command, level, scene) = ParseLevel(parse.GetValue(levelArgument)!);
            return SendAsync(Access(parse.GetValue(lineArgument)!, parse.GetValue(socketOption)!, parse.GetValue(windowOption)), parse.GetValue(targetArgument)!, command, level ?? scene, json, output, cancellation);
        }));

        return new Command("dali", "DALI lighting lines: scan, commission, identify, set") { windowOption, scan, commission, identify, set };
    }

    /// <summary>"128" is DAPC 128; off, max, min; scene:N.</summary>
    internal static (string Command, int? Level, int? Scene) ParseLevel(string text)
    {
        var value = text.Trim().ToLowerInvariant();
        if (value is "off" or "max" or "min")
        {
            return (value, null, null);
        }

        if (value.StartsWith("scene:", StringComparison.Ordinal) && int.TryParse(value.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out int scene) && scene <= 15)
        {
            return ("scene", null, scene);
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int level) && level <= 254)
        {
            return ("dapc", level, null);
        }

        throw new DaliCliException($"bad level '{text}': expected 0-254, off, max, min or scene:0-15");
    }

    internal static bool TryParseTarget(string text, out DaliAddress address)
    {
        address = default;
        var value = text.Trim().ToLowerInvariant();
        if (value == "broadcast")
        {
            address = DaliAddress.Broadcast;
            return true;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            if (value[..colon] == "gear" && number <= DaliAddress.MaxShortAddress)
            {
                address = DaliAddress.Short(number);
                return true;
            }

            if (value[..colon] == "group" && number <= DaliAddress.MaxGroup)
            {
                address = DaliAddress.Group(number);
                return true;
            }
        }

        return false;
    }

    private static IDaliLineAccess Access(string line, string socketPath, int answerWindowMs) =>
        answerWindowMs is < 10 or > 2000
            ? throw new DaliCliException($"--answer-window-ms must be 10-2000 (got {answerWindowMs})")
            : line.StartsWith(SerialScheme, StringComparison.OrdinalIgnoreCase)
            ? new DirectDaliLine(line[SerialScheme.Length..], TimeSpan.FromMilliseconds(answerWindowMs))
            : new DaemonDaliLine(line, socketPath);

    private static async Task<int> RunAsync(bool json, TextWriter output, TextWriter error, Func<bool, Task> body)
    {
        string message;
        try
        {
            await body(json).ConfigureAwait(false);
            return 0;
        }
        catch (DaliCliException e)
        {
            message = e.Message;
        }
        catch (LocalApiException e)
        {
            message = e.Message;
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or UnauthorizedAccessException or TaskCanceledException)
        {
            message = e.Message;
        }

        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(new ErrorOutput(message), EdgeCtlJson.Indented.ErrorOutput)).ConfigureAwait(false);
        }

        await error.WriteLineAsync($"edgectl: {message}").ConfigureAwait(false);
        return 1;
    }

    private static async Task ScanAsync(IDaliLineAccess access, bool json, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        await using (access)
        {
            var bar = new TextProgressBar(error, "scan", DaliAddress.MaxShortAddress + 1);
            var (rows, unaddressed) = await access.ScanAsync(bar, cancellation).ConfigureAwait(false);
            bar.Done();
            if (json)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(rows, EdgeCtlJson.Indented.IReadOnlyListDaliScanRow)).ConfigureAwait(false);
                return;
            }

            await output.WriteLineAsync("address  type  level  status").ConfigureAwait(false);
            foreach (var row in rows)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{row.Address,7}  {Show(row.DeviceType),4}  {Show(row.Level),5}  {row.Status}")).ConfigureAwait(false);
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{rows.Count} gear answer") +
                (unaddressed == true ? "; gear without a short address is present (run: edgectl dali commission)" : string.Empty)).ConfigureAwait(false);
        }
    }

    private static async Task CommissionAsync(IDaliLineAccess access, bool all, bool json, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        await using (access)
        {
            var bar = new TextProgressBar(error, "commission", DaliAddress.MaxShortAddress + 1);
            var summary = await access.CommissionAsync(all, bar, cancellation).ConfigureAwait(false);
            bar.Done();
            if (json)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(summary, EdgeCtlJson.Indented.DaliCommissionSummary)).ConfigureAwait(false);
            }
            else
            {
                foreach (var gear in summary.Assigned)
                {
                    await output.WriteLineAsync($"random address {gear.RandomAddress} -> short address {gear.ShortAddress.ToString(CultureInfo.InvariantCulture)}").ConfigureAwait(false);
                }

                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{summary.Assigned.Count} gear given a short address ({(all ? "every gear re-addressed" : "existing addresses kept")}), {summary.Transactions} transactions{(summary.Complete ? string.Empty : ", search not complete")}")).ConfigureAwait(false);
            }

            if (summary.Problem is not null)
            {
                throw new DaliCliException(summary.Problem);
            }
        }
    }

    private static async Task SendAsync(IDaliLineAccess access, string target, string command, int? value, bool json, TextWriter output, CancellationToken cancellation)
    {
        await using (access)
        {
            var message = await access.SendAsync(target, command, value, cancellation).ConfigureAwait(false);
            await output.WriteLineAsync(json ? JsonSerializer.Serialize(new OkOutput(true, message), EdgeCtlJson.Indented.OkOutput) : message).ConfigureAwait(false);
        }
    }

    private static string Show(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";
}

/// <summary>What commissioning changed.</summary>
internal sealed record DaliCommissionSummary(IReadOnlyList<DaliAssignedRow> Assigned, bool Complete, int Transactions, string? Problem);

internal sealed record DaliAssignedRow(string RandomAddress, int ShortAddress);

/// <summary>A DALI line reached directly or through the daemon.</summary>
internal interface IDaliLineAccess : IAsyncDisposable
{
    Task<(IReadOnlyList<DaliScanRow> Gear, bool? UnaddressedPresent)> ScanAsync(TextProgressBar progress, CancellationToken cancellation);

    Task<DaliCommissionSummary> CommissionAsync(bool all, TextProgressBar progress, CancellationToken cancellation);

    Task<string> SendAsync(string target, string command, int? value, CancellationToken cancellation);
}

/// <summary>A LUBA interface on a serial port, opened by edgectl itself (no daemon may own the port meanwhile).</summary>
internal sealed class DirectDaliLine(string port, TimeSpan answerWindow) : IDaliLineAccess
{
    private LubaDaliMaster? _master;

    private DaliClient Client()
    {
        if (_master is null)
        {
            if (!File.Exists(port))
            {
                throw new DaliCliException($"no serial device {port}");
            }

            _master = LubaDaliMaster.Open(port, new LubaMasterOptions { AnswerWindow = answerWindow });
        }

        return new DaliClient(_master);
    }

    public async Task<(IReadOnlyList<DaliScanRow> Gear, bool? UnaddressedPresent)> ScanAsync(TextProgressBar progress, CancellationToken cancellation)
    {
        var scan = await DaliLineScan.ScanAsync(Client(), new Progress<int>(a => progress.Report(a + 1)), cancellation).ConfigureAwait(false);
        if (scan.Failure is { } failure)
        {
            throw new DaliCliException(Explain(failure, port));
        }

        return (scan.Gear.Select(g => new DaliScanRow(g.ShortAddress, g.DeviceType, g.Level, g.Status.ToString())).ToList(), scan.UnaddressedPresent);
    }

    public async Task<DaliCommissionSummary> CommissionAsync(bool all, TextProgressBar progress, CancellationToken cancellation)
    {
        var result = await DaliCommissioning.RunAsync(Client(), new CommissioningOptions { KeepExisting = !all },
            new Progress<CommissioningProgress>(p => progress.Report(p.Found, p.Step)), cancellation).ConfigureAwait(false);
        return new DaliCommissionSummary(result.Assigned.Select(a => new DaliAssignedRow($"{a.RandomAddress:X6}", a.ShortAddress)).ToList(),
            result.Complete, result.Transactions, result.Problem);
    }

    public async Task<string> SendAsync(string target, string command, int? value, CancellationToken cancellation)
    {
        if (!DaliCli.TryParseTarget(target, out var address))
        {
            throw new DaliCliException($"bad target '{target}': expected gear:0-63, group:0-15 or broadcast");
        }

        var frame = command switch
        {
            "dapc" => DaliGear.DirectArcPower(address, (byte)value!.Value),
            "off" => DaliGear.Off(address),
            "max" => DaliGear.RecallMaxLevel(address),
            "min" => DaliGear.RecallMinLevel(address),
            "scene" => DaliGear.GoToScene(address, value!.Value),
            _ => DaliGear.IdentifyDevice(address),
        };
        var result = await Client().ExecuteAsync(frame, cancellation).ConfigureAwait(false);
        if (!result.BusWorked)
        {
            throw new DaliCliException(Explain(result, port));
        }

        return $"{frame.Name} sent to {target} on {port}";
    }

    public static string Explain(DaliBusResult failure, string where) => failure.Outcome switch
    {
        DaliBusOutcome.BusPowerFailure => $"the DALI line on {where} has no power (check the bus power supply)",
        DaliBusOutcome.InterfaceTimeout => $"the DALI interface on {where} does not answer (is it a LUBA interface? is another program using the port?)",
        _ => $"the DALI interface on {where} refused the frame ({failure})",
    };

    public async ValueTask DisposeAsync()
    {
        if (_master is not null)
        {
            await _master.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>A DALI line of the edge daemon, through its local API (the daemon pauses polling during scan and commission).</summary>
internal sealed class DaemonDaliLine(string line, string socketPath) : IDaliLineAccess
{
    private LocalApiClient? _client;

    private string Base => $"/v1/dali/{Uri.EscapeDataString(line)}";

    public async Task<(IReadOnlyList<DaliScanRow> Gear, bool? UnaddressedPresent)> ScanAsync(TextProgressBar progress, CancellationToken cancellation)
    {
        using var document = await PostAsync($"{Base}/scan", "{}", cancellation,
            onProgress: p => progress.Report(Done(p))).ConfigureAwait(false);
        var root = document.RootElement;
        var rows = root.GetProperty("gear").EnumerateArray().Select(g => new DaliScanRow(
            g.GetProperty("address").GetInt32(),
            g.GetProperty("deviceType").ValueKind == JsonValueKind.Number ? g.GetProperty("deviceType").GetInt32() : null,
            g.GetProperty("level").ValueKind == JsonValueKind.Number ? g.GetProperty("level").GetInt32() : null,
            g.GetProperty("status").GetString() ?? string.Empty)).ToList();
        progress.Report(DaliAddress.MaxShortAddress + 1);
        var unaddressed = root.GetProperty("unaddressedPresent");
        return (rows, unaddressed.ValueKind == JsonValueKind.Null ? null : unaddressed.GetBoolean());
    }

    public async Task<DaliCommissionSummary> CommissionAsync(bool all, TextProgressBar progress, CancellationToken cancellation)
    {
        progress.Report(0, "through the edge daemon (polling paused)");
        using var document = await PostAsync($"{Base}/commission?all={(all ? "true" : "false")}", "{}", cancellation, acceptFailure: true,
            onProgress: p => progress.Report(Done(p), Stage(p))).ConfigureAwait(false);
        var root = document.RootElement;
        var assigned = root.GetProperty("assigned").EnumerateArray()
            .Select(a => new DaliAssignedRow(a.GetProperty("randomAddress").GetString()!, a.GetProperty("shortAddress").GetInt32())).ToList();
        progress.Report(assigned.Count, "done");
        var ok = root.GetProperty("ok").GetBoolean();
        return new DaliCommissionSummary(assigned, root.GetProperty("complete").GetBoolean(), root.GetProperty("transactions").GetInt32(),
            ok ? null : root.GetProperty("message").GetString());
    }

    public async Task<string> SendAsync(string target, string command, int? value, CancellationToken cancellation)
    {
        var body = JsonSerializer.Serialize(new DaliCommandBody(target, command, command == "dapc" ? value : null, command == "scene" ? value : null), EdgeCtlJsonContext.Default.DaliCommandBody);
        using var document = await PostAsync($"{Base}/commands", body, cancellation).ConfigureAwait(false);
        return document.RootElement.GetProperty("message").GetString() ?? "ok";
    }

    private static int Done(JsonElement progress) =>
        progress.ValueKind == JsonValueKind.Object && progress.TryGetProperty("done", out var done) && done.TryGetInt32(out int value) ? value : 0;

    private static string? Stage(JsonElement progress) =>
        progress.ValueKind == JsonValueKind.Object && progress.TryGetProperty("stage", out var stage) && stage.ValueKind == JsonValueKind.String ? stage.GetString() : null;

    public ValueTask DisposeAsync()
    {
        _client?.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Posts to the daemon; with <paramref name="onProgress"/> the daemon streams its progress lines before the result.</summary>
    private async Task<JsonDocument> PostAsync(string path, string body, CancellationToken cancellation, bool acceptFailure = false, Action<JsonElement>? onProgress = null)
    {
        if (SocketAccess.Problem(socketPath) is { } problem)
        {
            throw new DaliCliException(!problem.StartsWith("no edge daemon socket", StringComparison.Ordinal)
                ? problem
                : $"no edge daemon socket at {socketPath} (is the edge running? pass --socket PATH, or use serial:///dev/ttyX when no daemon owns the line)");
        }

        _client ??= new LocalApiClient(socketPath, TimeSpan.FromMinutes(5));
        var (status, document) = onProgress is null
            ? await _client.PostAsync(path, body, cancellation).ConfigureAwait(false)
            : await _client.PostStreamingAsync(path, body, onProgress, cancellation).ConfigureAwait(false);
        var root = document.RootElement;
        bool ok = root.TryGetProperty("ok", out var okElement) && okElement.ValueKind == JsonValueKind.True;
        // A commissioning that stopped part-way still reports what it changed; a refusal (busy, unknown line) did nothing.
        bool partial = acceptFailure && root.TryGetProperty("transactions", out var done) && done.ValueKind == JsonValueKind.Number && done.GetInt32() > 0;
        if (!ok && !partial)
        {
            var message = root.TryGetProperty("message", out var m) ? m.GetString() : root.TryGetProperty("error", out var e) ? e.GetString() : null;
            document.Dispose();
            throw new DaliCliException(message ?? $"the edge answered {status}");
        }

        return document;
    }
}

/// <summary>A one-line text progress bar on stderr (redrawn with a carriage return), so stdout stays clean for --json.</summary>
internal sealed class TextProgressBar(TextWriter writer, string label, int total)
{
    private const int Width = 30;
    private int _lastDrawn = -1;

    public void Report(int done, string? step = null)
    {
        int filled = Math.Clamp(done * Width / Math.Max(total, 1), 0, Width);
        if (filled == _lastDrawn && step is null)
        {
            return;
        }

        _lastDrawn = filled;
        writer.Write(string.Create(CultureInfo.InvariantCulture, $"\r{label} [{new string('#', filled)}{new string('.', Width - filled)}] {done}{(step is null ? string.Empty : " " + step)}   "));
    }

    public void Done()
    {
        if (_lastDrawn >= 0)
        {
            writer.WriteLine();
        }
    }
}
