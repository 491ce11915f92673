using System.Globalization;
using System.Text.Json;

namespace City.EdgeCtl;

internal static class StatusView
{
    private static bool Positive(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.GetInt64() > 0;

    public static void Print(JsonElement status, TextWriter output)
    {
        output.WriteLine($"gateway   {Text(status, "gatewayId")}  (epoch {Text(status, "epoch")}, started {Text(status, "startedAt")})");
        if (status.TryGetProperty("central", out var central))
        {
            var connected = central.TryGetProperty("connected", out var c) && c.ValueKind == JsonValueKind.True;
            var link = connected ? $"connected since {Text(central, "since")}" : $"DISCONNECTED ({Text(central, "lastError")})";
            var plain = central.TryGetProperty("tls", out var tls) && tls.ValueKind == JsonValueKind.False ? " (PLAIN, no TLS)" : string.Empty;
            output.WriteLine($"central   {Text(central, "broker")}{plain}  {link}");
            output.WriteLine($"          in flight {Text(central, "inFlightBatches")} batches, acknowledged {Text(central, "batchesAcked")} batches / {Text(central, "readingsAcked")} readings, rejected {Text(central, "batchesRejected")}");
            if (Positive(central, "forgedAckSeqs") || Positive(central, "foreignMessages"))
            {
                output.WriteLine($"          IGNORED: acks for {Text(central, "forgedAckSeqs")} seqs never published or no longer awaited, {Text(central, "foreignMessages")} messages off the ack topic");
            }
        }

        if (status.TryGetProperty("buffer", out var buffer))
        {
            output.WriteLine($"buffer    {Text(buffer, "batchesWaiting")} batches / {Text(buffer, "readingsWaiting")} readings waiting, oldest {Text(buffer, "oldestWaitingAgeSeconds")} s");
            output.WriteLine($"          {Text(buffer, "bytesUsed")} of {Text(buffer, "maxBytes")} bytes, lifetime buffered {Text(buffer, "readingsBuffered")}, dropped {Text(buffer, "readingsDropped")}, last seq {Text(buffer, "lastSeq")} (buffer id {Text(buffer, "bufferId")})");
            if (buffer.TryGetProperty("diskFull", out var diskFull) && diskFull.ValueKind == JsonValueKind.True)
            {
                output.WriteLine("          DISK FULL: readings are dropped (and counted) until space returns");
            }
        }

        if (status.TryGetProperty("commands", out var commands) && commands.ValueKind == JsonValueKind.Object)
        {
            CommandsView.PrintSummary(commands, output);
        }

        if (status.TryGetProperty("lighting", out var lighting) && lighting.ValueKind == JsonValueKind.Object)
        {
            var set = Text(lighting, "version") is var version && version != "-" ? $"set {version} ({Text(lighting, "assignments")} assignments)" : "no set applied";
            var scaled = lighting.TryGetProperty("scaledClock", out var s) && s.ValueKind == JsonValueKind.True ? " (SCALED, Edge:Clock)" : string.Empty;
            output.WriteLine($"lighting  {set}, {Text(lighting, "overrides")} overrides; DALI level commands sent {Text(lighting, "commandsSent")}, failed {Text(lighting, "commandsFailed")}, "
                + $"re-sent to gear that lost their level {Text(lighting, "levelsReapplied")}; clock {Text(lighting, "now")}{scaled}");
        }

        if (status.TryGetProperty("devices", out var devices) && devices.ValueKind == JsonValueKind.Array)
        {
            output.WriteLine();
            output.WriteLine($"{"device",-16} {"protocol",-12} {"endpoint",-22} {"points",6} {"ok",8} {"failed",8}  last poll");
            foreach (var device in devices.EnumerateArray())
            {
                var ok = device.TryGetProperty("lastPollOk", out var o) && o.ValueKind == JsonValueKind.True;
                var disabled = device.TryGetProperty("enabled", out var e) && e.ValueKind == JsonValueKind.False;
                var last = disabled ? "disabled (Enabled=false): not polled"
                    : ok ? $"ok at {Text(device, "lastPollAt")}"
                    : $"FAILED at {Text(device, "lastPollAt")}: {Text(device, "lastError")}";
                output.WriteLine($"{Text(device, "name"),-16} {Text(device, "protocol"),-12} {Text(device, "endpoint"),-22} {Text(device, "points"),6} {Text(device, "pollsOk"),8} {Text(device, "pollsFailed"),8}  {last}");
            }
        }
    }

    internal static string Text(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return "-";
        }

        return value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => "-",
            JsonValueKind.String => value.GetString() ?? "-",
            JsonValueKind.Number when value.TryGetDouble(out var number) && number % 1 != 0 => number.ToString("0.###", CultureInfo.InvariantCulture),
            _ => value.GetRawText(),
        };
    }
}

internal static class PointsView
{
    public static void Print(JsonElement points, TextWriter output)
    {
        var now = DateTimeOffset.UtcNow;
        output.WriteLine($"{"point",-32} {"value",16} {"unit",-6} {"quality",-12} {"age",8}  timestamp");
        foreach (var point in points.EnumerateArray())
        {
            var timestamp = StatusView.Text(point, "timestamp");
            output.WriteLine($"{StatusView.Text(point, "id"),-32} {StatusView.Text(point, "value"),16} {StatusView.Text(point, "unit"),-6} {StatusView.Text(point, "quality"),-12} {Age(timestamp, now),8}  {timestamp}");
        }
    }

    /// <summary>How old a reading is, for a technician scanning for stale points: "0.4 s", "12 min", "3 h".</summary>
    internal static string Age(string timestamp, DateTimeOffset now)
    {
        if (!DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return "-";
        }

        var age = now - at;
        return age.TotalSeconds switch
        {
            < 0 => "future",
            < 60 => age.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s",
            < 3600 => age.TotalMinutes.ToString("0", CultureInfo.InvariantCulture) + " min",
            < 172_800 => age.TotalHours.ToString("0", CultureInfo.InvariantCulture) + " h",
            _ => age.TotalDays.ToString("0", CultureInfo.InvariantCulture) + " d",
        };
    }
}

internal static class PlanView
{
    /// <summary>The request plan as a technician reads it: one line per request, grouped by period (and the totals for Modbus).</summary>
    public static void Print(JsonElement plan, TextWriter output)
    {
        switch (StatusView.Text(plan, "protocol"))
        {
            case "snmp":
                PrintSnmp(plan, output);
                return;
            case "dali":
                PrintDali(plan, output);
                return;
            case "tic":
                PrintTic(plan, output);
                return;
            case "ntcip1211":
                PriorityView.PrintPlan(plan, output);
                return;
            default:
                PrintModbus(plan, output);
                return;
        }
    }

    /// <summary>Per period one GET of every scalar OID and one GETBULK walk (GETNEXT in v1) per table column.</summary>
    private static void PrintSnmp(JsonElement plan, TextWriter output)
    {
        var profile = StatusView.Text(plan, "profile");
        var version = StatusView.Text(plan, "version");
        var maxRepetitions = StatusView.Text(plan, "maxRepetitions");
        output.WriteLine($"device    {StatusView.Text(plan, "device")}  snmp {StatusView.Text(plan, "endpoint")}  version {version}{(profile == "-" ? string.Empty : $"  profile {profile}")}");
        output.WriteLine($"timing    timeout {StatusView.Text(plan, "timeoutMs")} ms, retries {StatusView.Text(plan, "retries")}, max-repetitions {maxRepetitions}");
        var walk = version == "1" ? "GETNEXT" : "GETBULK";
        foreach (var group in Array(plan, "groups"))
        {
            var gets = Array(group, "gets").Select(o => Dotted(o.GetString())).ToList();
            var walks = Array(group, "walks").ToList();
            output.WriteLine();
            output.WriteLine($"every {StatusView.Text(group, "periodMs")} ms: {StatusView.Text(group, "points")} points in {(gets.Count > 0 ? 1 : 0) + walks.Count} requests");
            for (var i = 0; i < gets.Count; i++)
            {
                output.WriteLine($"  {(i == 0 ? "GET" : string.Empty),-8} {gets[i]}");
            }

            foreach (var column in walks)
            {
                var points = string.Join(", ", Array(column, "points").Select(p => p.GetString()));
                output.WriteLine($"  {walk,-8} {Dotted(StatusView.Text(column, "column"))}  {StatusView.Text(column, "rows")} rows{(walk == "GETBULK" ? $" (max-repetitions {maxRepetitions})" : string.Empty)}  {points}");
            }
        }
    }

    /// <summary>A TIC meter: nothing is asked, the meter pushes; the speeds listened at and the publish period.</summary>
    private static void PrintTic(JsonElement plan, TextWriter output)
    {
        var bauds = string.Join(" then ", Array(plan, "baudRates").Select(b => b.ToString()));
        output.WriteLine($"device    {StatusView.Text(plan, "device")}  tic {StatusView.Text(plan, "endpoint")}  mode {StatusView.Text(plan, "mode")}");
        output.WriteLine();
        output.WriteLine($"listening continuously at {bauds} baud 7E1 (the meter pushes a frame every 1-2 s; nothing is asked)");
        output.WriteLine($"every {StatusView.Text(plan, "publishPeriodMs")} ms: the values of the next whole frame, {StatusView.Text(plan, "points")} points");
    }

    /// <summary>A DALI line: what its status sweeps, energy reads and discovery ask, and the gear they ask.</summary>
    private static void PrintDali(JsonElement plan, TextWriter output)
    {
        var gear = Array(plan, "gear").ToList();
        output.WriteLine($"device    {StatusView.Text(plan, "device")}  dali {StatusView.Text(plan, "endpoint")}  {gear.Count} gear, program groups {StatusView.Text(plan, "programGroups")}");
        output.WriteLine();
        output.WriteLine($"every {StatusView.Text(plan, "statusPeriodMs")} ms: status sweep (broadcast failure queries, then the level of every answering gear)");
        output.WriteLine($"every {StatusView.Text(plan, "energyPeriodMs")} ms: D4i active power and energy of every answering gear");
        output.WriteLine($"every {StatusView.Text(plan, "discoveryPeriodMs")} ms: discovery of gear that is not configured");
        output.WriteLine($"every {StatusView.Text(plan, "diagnosticsPeriodMs")} ms: D4i diagnostics (banks 205-207: operating hours, lamp-on hours, starts, rated life), one gear per slice; identity (bank 1, else 0) when a gear is found");
        output.WriteLine();
        output.WriteLine($"  {"address",7}  {"groups",-16} location");
        foreach (var g in gear)
        {
            var groups = string.Join(",", Array(g, "groups").Select(n => n.GetRawText()));
            output.WriteLine($"  {StatusView.Text(g, "address"),7}  {(groups.Length == 0 ? "-" : groups),-16} {StatusView.Text(g, "location")}");
        }
    }

    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];

    private static string Dotted(string? oid) => string.IsNullOrEmpty(oid) || oid.StartsWith('.') ? oid ?? "-" : "." + oid;

    private static void PrintModbus(JsonElement plan, TextWriter output)
    {
        var profile = StatusView.Text(plan, "profile");
        output.WriteLine($"device    {StatusView.Text(plan, "device")}  {StatusView.Text(plan, "protocol")} {StatusView.Text(plan, "endpoint")} unit {StatusView.Text(plan, "unitId")}{(profile == "-" ? string.Empty : $"  profile {profile}")}");
        if (plan.TryGetProperty("limits", out var limits))
        {
            output.WriteLine($"limits    {StatusView.Text(limits, "maxRegistersPerRequest")} registers / {StatusView.Text(limits, "maxBitsPerRequest")} bits per request, fill up to {StatusView.Text(limits, "maxInsert")}, pause after connect {StatusView.Text(limits, "pauseAfterConnectMs")} ms, between requests {StatusView.Text(limits, "pauseBetweenRequestsMs")} ms, retries {StatusView.Text(limits, "retries")}");
        }

        if (plan.TryGetProperty("groups", out var groups) && groups.ValueKind == JsonValueKind.Array)
        {
            foreach (var group in groups.EnumerateArray())
            {
                output.WriteLine();
                output.WriteLine($"every {StatusView.Text(group, "periodMs")} ms: {StatusView.Text(group, "points")} points in {StatusView.Text(group, "requestsPerCycle")} requests ({StatusView.Text(group, "registers")} registers, {StatusView.Text(group, "fill")} of them fill; {StatusView.Text(group, "bits")} bits)");
                output.WriteLine($"  {"table",-9} {"function",-8} {"start",6} {"count",6} {"fill",5}  points");
                if (group.TryGetProperty("requests", out var requests) && requests.ValueKind == JsonValueKind.Array)
                {
                    foreach (var request in requests.EnumerateArray())
                    {
                        var points = request.TryGetProperty("points", out var p) && p.ValueKind == JsonValueKind.Array
                            ? string.Join(", ", p.EnumerateArray().Select(e => e.GetString()))
                            : "-";
                        output.WriteLine($"  {StatusView.Text(request, "table"),-9} {StatusView.Text(request, "function"),-8} {StatusView.Text(request, "start"),6} {StatusView.Text(request, "count"),6} {StatusView.Text(request, "fill"),5}  {points}");
                    }
                }
            }
        }

        if (plan.TryGetProperty("totals", out var totals))
        {
            output.WriteLine();
            output.WriteLine($"total     {StatusView.Text(totals, "points")} points, {StatusView.Text(totals, "requests")} requests per cycle of every group, {StatusView.Text(totals, "requestsPerSecond")} requests/s, {StatusView.Text(totals, "registersPerSecond")} registers/s, {StatusView.Text(totals, "bitsPerSecond")} bits/s");
        }
    }
}
