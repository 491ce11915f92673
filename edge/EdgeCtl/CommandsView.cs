using System.Text.Json;

namespace City.EdgeCtl;

/// <summary>The recent remote commands from central, newest first: when, who, what, and how it ended.</summary>
internal static class CommandsView
{
    public static void Print(JsonElement commands, TextWriter output)
    {
        if (commands.GetArrayLength() == 0)
        {
            output.WriteLine("no remote command received since the edge started");
            return;
        }

        output.WriteLine($"{"received",-24} {"id",-36} {"issuer",-14} {"status",-10} action");
        foreach (var command in commands.EnumerateArray())
        {
            var status = StatusView.Text(command, "status");
            var outcome = status == "rejected" ? $"REJECTED {StatusView.Text(command, "reason")}" : status;
            output.WriteLine($"{StatusView.Text(command, "received"),-24} {StatusView.Text(command, "id"),-36} {StatusView.Text(command, "issuer"),-14} {outcome,-10} {StatusView.Text(command, "action")}");
            var readBack = command.TryGetProperty("readBack", out var value) && value.ValueKind == JsonValueKind.String ? $" (read back {value.GetString()})" : string.Empty;
            output.WriteLine($"{string.Empty,-24} {StatusView.Text(command, "detail")}{readBack}");
        }
    }

    /// <summary>The status document's commands section, as one or two lines.</summary>
    public static void PrintSummary(JsonElement commands, TextWriter output)
    {
        var key = commands.TryGetProperty("signingKey", out var k) && k.ValueKind == JsonValueKind.True
            ? $"key {StatusView.Text(commands, "signingKeyFile")}"
            : "NO SIGNING KEY: every command is refused";
        output.WriteLine($"commands  received {StatusView.Text(commands, "received")}: accepted {StatusView.Text(commands, "accepted")}, done {StatusView.Text(commands, "done")}, "
            + $"failed {StatusView.Text(commands, "failed")}, rejected {StatusView.Text(commands, "rejected")}; {StatusView.Text(commands, "outboxDepth")} results awaiting central's ack; {key}");
        if (commands.TryGetProperty("rejectedByReason", out var reasons) && reasons.ValueKind == JsonValueKind.Object)
        {
            var counted = reasons.EnumerateObject().Where(r => r.Value.ValueKind == JsonValueKind.Number && r.Value.GetInt64() > 0).Select(r => $"{r.Name} {r.Value.GetInt64()}").ToList();
            if (counted.Count > 0)
            {
                output.WriteLine($"          rejected: {string.Join(", ", counted)}");
            }
        }
    }
}
