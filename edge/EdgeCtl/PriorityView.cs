using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace City.EdgeCtl;

/// <summary><c>edgectl priority [--json]</c>: GET /v1/priority, the bus priority devices and their requests.</summary>
internal static class PriorityView
{
    public static Command Create(Option<string> socketOption, Option<bool> jsonOption, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(socketOption);
        ArgumentNullException.ThrowIfNull(jsonOption);
        var priority = new Command("priority", "Bus priority: each ntcip1211 device's open requests (state at the controller), the last closed ones, counters and acknowledgement times");
        priority.SetAction((parse, cancellation) =>
            Commands.RunAsync(parse.GetValue(socketOption)!, "/v1/priority", parse.GetValue(jsonOption), Print, output, error, cancellation));
        return priority;
    }

    public static void Print(JsonElement devices, TextWriter output)
    {
        if (devices.GetArrayLength() == 0)
        {
            output.WriteLine("no bus priority device (Edge:Devices with Protocol ntcip1211)");
            return;
        }

        foreach (var device in devices.EnumerateArray())
        {
            var counters = device.GetProperty("counters");
            var ack = device.GetProperty("ack");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Text(device, "device")}  controller {Text(device, "controller")}  buses on {Text(device, "listen")}{(device.GetProperty("enabled").GetBoolean() ? "" : "  DISABLED")}"));
            output.WriteLine("  " + string.Join("  ", counters.EnumerateObject().Select(c => $"{c.Name} {c.Value.GetInt64()}"))
                + string.Create(CultureInfo.InvariantCulture, $"  malformed {device.GetProperty("malformedDatagrams").GetInt64()}  dropped {device.GetProperty("droppedInputs").GetInt64()}"));
            output.WriteLine(ack.GetProperty("count").GetInt32() == 0
                ? "  ack       no request yet"
                : string.Create(CultureInfo.InvariantCulture,
                    $"  ack       median {Ms(ack, "medianMs")}  p95 {Ms(ack, "p95Ms")}  max {Ms(ack, "maxMs")} over the last {ack.GetProperty("count").GetInt32()} requests"));
            Table("open", device.GetProperty("open"), output);
            Table("recent", device.GetProperty("recent"), output);
        }
    }

    /// <summary><c>edgectl plan DEVICE</c> of a priority device: where the buses send, how often the requests are read, the objects used.</summary>
    public static void PrintPlan(JsonElement plan, TextWriter output)
    {
        output.WriteLine($"device    {Text(plan, "device")}  ntcip1211 {Text(plan, "endpoint")}{(plan.GetProperty("enabled").GetBoolean() ? "" : "  DISABLED")}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"buses     {(plan.GetProperty("listen").ValueKind == JsonValueKind.String ? "udp " + plan.GetProperty("listen").GetString() : "none (central's priority commands only)")}  status every {plan.GetProperty("statusPollMs").GetInt32()} ms  expiry {plan.GetProperty("expirySeconds").GetInt32()} s after departure"));
        foreach (var line in plan.GetProperty("objects").EnumerateArray())
        {
            output.WriteLine("  " + line.GetString());
        }
    }

    private static void Table(string title, JsonElement requests, TextWriter output)
    {
        output.WriteLine($"  {title} ({requests.GetArrayLength()})");
        if (requests.GetArrayLength() == 0)
        {
            return;
        }

        output.WriteLine("    id   vehicle            route             appr class state      prs                    ack ms  arrival   detail");
        foreach (var r in requests.EnumerateArray())
        {
            var arrival = r.GetProperty("estimatedArrival").GetDateTimeOffset().ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {r.GetProperty("requestId").GetInt32(),-4} {Text(r, "vehicleId"),-18} {Text(r, "route"),-17} {r.GetProperty("approach").GetInt32(),-4} {r.GetProperty("classType").GetInt32()}/{r.GetProperty("classLevel").GetInt32(),-3} {Text(r, "state"),-10} {Text(r, "prsStatus"),-22} {Ms(r, "ackMs"),6}  {arrival}  {Text(r, "detail")}"));
        }
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "-";

    private static string Ms(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble().ToString("0.0", CultureInfo.InvariantCulture) : "-";
}
