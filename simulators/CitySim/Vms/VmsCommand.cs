using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Serialization;
using City.Protocols.Ntcip1203;
using City.Protocols.Snmp;
using City.Sim.Common;

namespace City.Sim.Vms;

/// <summary>What <c>citysim vms</c> serves (stdout; JSON with --json).</summary>
internal sealed record VmsListening(string Device, string Address, int Port, string Community, string WriteCommunity, string? V3User, int Lines, int Columns)
{
    [JsonIgnore]
    public string Line => string.Create(CultureInfo.InvariantCulture,
        $"{Device} listening on udp {Address}:{Port} community {Community} (read-write {WriteCommunity}){(V3User is null ? "" : $" v3 user {V3User} (SHA-256/AES)")}, {Lines} lines of {Columns} characters");
}

/// <summary>The sign changed its message (stdout; JSON with --json).</summary>
internal sealed record VmsShowing(string Multi, string Text)
{
    [JsonIgnore]
    public string Line => Multi.Length == 0 ? "showing: (blank)" : $"showing: {Text} ({Multi})";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(VmsListening))]
[JsonSerializable(typeof(VmsShowing))]
internal sealed partial class VmsJsonContext : JsonSerializerContext;

/// <summary>
/// <c>citysim vms</c>: a simulated NTCIP 1203 variable message sign's SNMP agent on UDP 127.0.0.1 (see README, "Message
/// sign"). Faults come from the options at start and from lines on stdin: <c>pixels N</c>, <c>lamp fail K</c> /
/// <c>lamp ok K</c> (K 1-8), <c>door open</c> / <c>door closed</c>, <c>controller fail</c> / <c>controller ok</c>, <c>status</c>.
/// </summary>
internal static class VmsCommand
{
    public static Command Create(TimeProvider time)
    {
        var port = CliOptions.Int("--port", "UDP port on 127.0.0.1 (0 = any free port)", 1162, 0, 65535);
        var community = new Option<string>("--community") { Description = "Read-only v1/v2c community", DefaultValueFactory = _ => "public" };
        var writeCommunity = new Option<string>("--write-community") { Description = "Read-write v1/v2c community (may put messages on the sign)", DefaultValueFactory = _ => "private" };
        var v3User = CliOptions.V3User("may put messages on the sign");
        var lines = CliOptions.Int("--lines", "Text lines per page", 3, 1, 16);
        var columns = CliOptions.Int("--columns", "Characters per line", 18, 1, 128);
        var pixels = CliOptions.Int("--pixel-failures", "Failed pixels at start", 0, 0, 65535);
        var doorOpen = new Option<bool>("--door-open") { Description = "The cabinet door is open at start" };
        var json = CliOptions.Json();
        var command = new Command("vms", "Serve a simulated NTCIP 1203 variable message sign's SNMP agent (v1/v2c/v3) on UDP 127.0.0.1; faults from stdin")
        {
            port, community, writeCommunity, v3User, lines, columns, pixels, doorOpen, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            bool asJson = parseResult.GetValue(json);
            var sign = new SimSign(parseResult.GetValue(lines), parseResult.GetValue(columns));
            sign.SetPixelFailures(parseResult.GetValue(pixels));
            sign.SetDoorOpen(parseResult.GetValue(doorOpen));
            var mib = new MibTree();
            SnmpAgent agent;
            try
            {
                agent = SnmpAgent.CreateUdp(mib, new IPEndPoint(IPAddress.Loopback, parseResult.GetValue(port)), timeProvider: time);
            }
            catch (SocketException ex)
            {
                ConsoleOutput.Log($"cannot listen on udp 127.0.0.1:{parseResult.GetValue(port)}: {ex.Message}");
                return 1;
            }

            await using (agent.ConfigureAwait(false))
            {
                Mib2System.Register(mib, () => agent.UpTime, "citysim variable message sign (NTCIP 1203)", DmsObjects.Dms);
                sign.Register(mib);
                agent.AddCommunity(parseResult.GetValue(community)!);
                agent.AddCommunity(parseResult.GetValue(writeCommunity)!, writable: true);
                UsmUser? user = null;
                if (parseResult.GetValue(v3User) is { } userText)
                {
                    CliOptions.TryParseV3User(userText, out user);
                    agent.AddUser(user!, writable: true);
                }

                sign.Showing += multi =>
                {
                    string text = MultiParser.TryParse(multi, sign.Geometry, out var message, out _) ? message.PlainText : multi;
                    var showing = new VmsShowing(multi, text);
                    if (asJson)
                    {
                        ConsoleOutput.Json(showing, VmsJsonContext.Default.VmsShowing);
                    }
                    else
                    {
                        ConsoleOutput.Result(showing.Line);
                    }
                };
                agent.Start();
                var listening = new VmsListening("message-sign", "127.0.0.1", agent.LocalEndPoint.Port, parseResult.GetValue(community)!,
                    parseResult.GetValue(writeCommunity)!, user?.Name, sign.Geometry.LinesPerPage, sign.Geometry.CharactersPerLine);
                if (asJson)
                {
                    ConsoleOutput.Json(listening, VmsJsonContext.Default.VmsListening);
                }
                else
                {
                    ConsoleOutput.Result(listening.Line);
                }

                ConsoleOutput.Log("Ctrl-C to stop; faults on stdin: pixels N, lamp fail|ok K, door open|closed, controller fail|ok, status");
                _ = ReadControlAsync(sign, cancellationToken);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                }

                ConsoleOutput.Log("stopping");
                return 0;
            }
        });
        return command;
    }

    /// <summary>Applies one fault line; the reply says what changed or why the line was not understood.</summary>
    public static bool TryApply(string text, SimSign sign, out string reply)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sign);
        var words = text.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        switch (words)
        {
            case ["pixels", var n] when int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out int count):
                sign.SetPixelFailures(count);
                break;
            case ["lamp", "fail" or "ok", var k] when int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out int lamp) && lamp is >= 1 and <= SimSign.Lamps:
                sign.SetLampFailed(lamp, words[1] == "fail");
                break;
            case ["door", "open" or "closed"]:
                sign.SetDoorOpen(words[1] == "open");
                break;
            case ["controller", "fail" or "ok"]:
                sign.SetControllerError(words[1] == "fail");
                break;
            case ["status"]:
                break;
            default:
                reply = $"not understood: '{text.Trim()}' (pixels N, lamp fail|ok 1-{SimSign.Lamps}, door open|closed, controller fail|ok, status)";
                return false;
        }

        reply = $"faults: {sign.Status.Describe()}; showing: {(sign.CurrentMulti.Length == 0 ? "(blank)" : sign.CurrentMulti)}";
        return true;
    }

    private static async Task ReadControlAsync(SimSign sign, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                string? text = await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (text is null)
                {
                    ConsoleOutput.Log("control: stdin closed; no more fault commands");
                    return;
                }

                if (text.Trim().Length > 0)
                {
                    TryApply(text, sign, out string reply);
                    ConsoleOutput.Log($"control: {reply}");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (IOException ex)
        {
            ConsoleOutput.Log($"control: reading stdin failed: {ex.Message}");
        }
    }
}
