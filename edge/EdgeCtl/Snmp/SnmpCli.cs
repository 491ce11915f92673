using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Encodings.Web;
using System.Text.Json;
using City.Protocols.Snmp;

namespace City.EdgeCtl.Snmp;

/// <summary>
/// <c>edgectl snmp get|walk|set</c>: ad-hoc requests to any agent with net-snmp's flags, printed as net-snmp prints
/// them with -On. Every failure is one line on <c>error</c> (and <c>{"error": "..."}</c> with --json) and exit code 1.
/// </summary>
internal static class SnmpCli
{

    public static Command Create(Option<bool> jsonOption, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(jsonOption);
        var options = new SnmpOptions();
        var agentArgument = new Argument<string>("agent") { Description = "HOST[:PORT] or udp:HOST[:PORT] (port 161 by default)" };

        var oidsArgument = new Argument<string[]>("oids") { Description = "Numeric OIDs (a leading dot is allowed)", Arity = ArgumentArity.OneOrMore };
        var get = new Command("get", "GET the given OIDs (as snmpget -On)") { agentArgument, oidsArgument };
        options.AddTo(get);
        get.SetAction((parse, cancellation) => RunAsync(parse.GetValue(jsonOption), output, error, async json =>
        {
            SnmpRequestSettings settings = options.Read(parse, parse.GetValue(agentArgument)!);
            Oid[] oids = ParseOids(parse.GetValue(oidsArgument) ?? []);
            await using SnmpManager manager = SnmpManager.CreateUdp();
            IReadOnlyList<VarBind> result = await Guard(settings, () => manager.GetAsync(settings.Target, oids, cancellation)).ConfigureAwait(false);
            await PrintAsync(result, json, output).ConfigureAwait(false);
        }));

        var rootArgument = new Argument<string?>("oid") { Description = "Subtree to walk (default 1.3.6.1.2.1, mib-2, as snmpwalk)", Arity = ArgumentArity.ZeroOrOne };
        var repetitionsOption = new Option<int>("--max-repetitions", "-Cr")
        {
            Description = "max-repetitions of each GETBULK (v2c/v3; v1 walks with GETNEXT)",
            DefaultValueFactory = _ => 10,
        };
        var walk = new Command("walk", "Walk a subtree (as snmpwalk -On: GETBULK in v2c/v3, GETNEXT in v1)") { agentArgument, rootArgument, repetitionsOption };
        options.AddTo(walk);
        walk.SetAction((parse, cancellation) => RunAsync(parse.GetValue(jsonOption), output, error, async json =>
        {
            SnmpRequestSettings settings = options.Read(parse, parse.GetValue(agentArgument)!);
            Oid root = ParseOids([parse.GetValue(rootArgument) ?? "1.3.6.1.2.1"])[0];
            int repetitions = parse.GetValue(repetitionsOption);
            if (repetitions < 1)
            {
                throw new SnmpCliException("-Cr / --max-repetitions must be at least 1");
            }

            await using SnmpManager manager = SnmpManager.CreateUdp();
            List<VarBind> rows = await Guard(settings, async () =>
            {
                var collected = new List<VarBind>();
                await foreach (VarBind row in manager.WalkAsync(settings.Target, root, repetitions, cancellation).ConfigureAwait(false))
                {
                    collected.Add(row);
                }

                // snmpwalk GETs the root itself when the subtree is empty (a walk of a scalar instance).
                if (collected.Count == 0)
                {
                    collected.Add(await manager.GetAsync(settings.Target, root, cancellation).ConfigureAwait(false));
                }

                return collected;
            }).ConfigureAwait(false);
            await PrintAsync(rows, json, output).ConfigureAwait(false);
        }));

        var triplesArgument = new Argument<string[]>("assignments") { Description = "OID TYPE VALUE triples; TYPE is one of i u t a o s x d b n (as snmpset)", Arity = ArgumentArity.OneOrMore };
        var set = new Command("set", "SET OID TYPE VALUE triples in one request (as snmpset -On)") { agentArgument, triplesArgument };
        options.AddTo(set);
        set.SetAction((parse, cancellation) => RunAsync(parse.GetValue(jsonOption), output, error, async json =>
        {
            SnmpRequestSettings settings = options.Read(parse, parse.GetValue(agentArgument)!);
            VarBind[] assignments = SnmpSetValues.ParseTriples(parse.GetValue(triplesArgument) ?? []);
            await using SnmpManager manager = SnmpManager.CreateUdp();
            IReadOnlyList<VarBind> result = await Guard(settings, () => manager.SetAsync(settings.Target, assignments, cancellation)).ConfigureAwait(false);
            await PrintAsync(result, json, output).ConfigureAwait(false);
        }));

        return new Command("snmp", "Ad-hoc SNMP requests to any agent with net-snmp's flags (without -v: v3, as snmpget on Debian)") { get, walk, set };
    }

    internal static Oid[] ParseOids(IEnumerable<string> texts)
    {
        var oids = new List<Oid>();
        foreach (string text in texts)
        {
            oids.Add(TryParseOid(text, out Oid? oid) ? oid : throw new SnmpCliException($"{text}: not a numeric OID (e.g. .1.3.6.1.2.1.1.5.0)"));
        }

        return [.. oids];
    }

    internal static bool TryParseOid(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Oid? oid)
    {
        string trimmed = text.StartsWith('.') ? text[1..] : text;
        return Oid.TryParse(trimmed, out oid) && oid.Length >= 2;
    }

    private static async Task<int> RunAsync(bool json, TextWriter output, TextWriter error, Func<bool, Task> body)
    {
        string message;
        try
        {
            await body(json).ConfigureAwait(false);
            return 0;
        }
        catch (SnmpCliException e)
        {
            message = e.Message;
        }

        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(new ErrorOutput(message), EdgeCtlJson.Compact.ErrorOutput)).ConfigureAwait(false);
        }

        await error.WriteLineAsync($"edgectl: {message}").ConfigureAwait(false);
        return 1;
    }

    /// <summary>Turns the library's exceptions into net-snmp's wording.</summary>
    private static async Task<T> Guard<T>(SnmpRequestSettings settings, Func<Task<T>> request)
    {
        try
        {
            return await request().ConfigureAwait(false);
        }
        catch (SnmpTimeoutException)
        {
            throw new SnmpCliException($"Timeout: No Response from {settings.AgentText}");
        }
        catch (SnmpSecurityException e)
        {
            throw new SnmpCliException(SecurityMessage(e.Status));
        }
        catch (SnmpErrorStatusException e)
        {
            string failed = e.FailedOid is null ? "" : $", failed object: .{e.FailedOid}";
            throw new SnmpCliException($"Error in packet: {ErrorStatusName(e.Status)} (error-index {e.ErrorIndex.ToString(CultureInfo.InvariantCulture)}){failed}");
        }
        catch (SnmpException e)
        {
            throw new SnmpCliException(e.Message);
        }
        catch (SocketException e)
        {
            throw new SnmpCliException($"{settings.AgentText}: {e.Message}");
        }
    }

    internal static string ErrorStatusName(SnmpErrorStatus status)
    {
        string name = status.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    private static string SecurityMessage(UsmStatus status) => status switch
    {
        UsmStatus.UnknownUserName => "Unknown user name",
        UsmStatus.WrongDigest => "Authentication failure (incorrect password, community or key)",
        UsmStatus.UnsupportedSecurityLevel => "Unsupported security level",
        UsmStatus.DecryptionError => "Decryption error",
        UsmStatus.NotInTimeWindow => "Not in time window",
        UsmStatus.UnknownEngineId => "Unknown engine ID",
        _ => $"SNMPv3 security failure: {status}",
    };

    private static async Task PrintAsync(IReadOnlyList<VarBind> varBinds, bool json, TextWriter output)
    {
        if (json)
        {
            var rows = varBinds.Select(v => new SnmpVarBindOutput("." + v.Oid, TypeName(v.Value), ValueText(v.Value))).ToList();
            await output.WriteLineAsync(JsonSerializer.Serialize(rows, EdgeCtlJson.Compact.ListSnmpVarBindOutput)).ConfigureAwait(false);
            return;
        }

        foreach (VarBind varBind in varBinds)
        {
            await output.WriteLineAsync(varBind.ToString()).ConfigureAwait(false);
        }
    }

    /// <summary>The type word net-snmp prints before the value ("STRING", "Hex-STRING", "Timeticks", ...).</summary>
    internal static string TypeName(SnmpValue value) => value.Type switch
    {
        SnmpValueType.OctetString => value.ToString().StartsWith("Hex-STRING", StringComparison.Ordinal) ? "Hex-STRING" : "STRING",
        SnmpValueType.Null => "NULL",
        SnmpValueType.NoSuchObject => "noSuchObject",
        SnmpValueType.NoSuchInstance => "noSuchInstance",
        SnmpValueType.EndOfMibView => "endOfMibView",
        _ => value.ToString().Split(": ", 2)[0],
    };

    /// <summary>The value as net-snmp prints it after "TYPE: ", strings without their quotes.</summary>
    internal static string ValueText(SnmpValue value)
    {
        if (value.Type == SnmpValueType.OctetString && TypeName(value) == "STRING")
        {
            return value.AsString();
        }

        string printed = value.ToString();
        int separator = printed.IndexOf(": ", StringComparison.Ordinal);
        return value.IsException || value.Type == SnmpValueType.Null || separator < 0 ? "" : printed[(separator + 2)..];
    }
}

internal sealed class SnmpCliException(string message) : Exception(message);
