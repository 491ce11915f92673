using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace City.EdgeCtl.Vms;

/// <summary>
/// <c>edgectl vms show | activate SIGN "MULTI" [--duration-minutes N] [--priority N] | blank SIGN</c>, through the edge
/// daemon's /v1/vms: the signs with their message and faults, or an operation and the message the sign shows after it.
/// </summary>
internal static class VmsCli
{
    public static Command Create(Option<string> socketOption, Option<bool> jsonOption, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(socketOption);
        ArgumentNullException.ThrowIfNull(jsonOption);
        var show = new Command("show", "Every sign: what it shows, its faults (pixels, lamps, door, controller) and when it was read");
        show.SetAction((parse, cancellation) =>
            Commands.RunAsync(parse.GetValue(socketOption)!, "/v1/vms", parse.GetValue(jsonOption), Print, output, error, cancellation));

        var signArgument = new Argument<string>("sign") { Description = "Name of a configured sign (a device of protocol vms)" };
        var multiArgument = new Argument<string>("multi") { Description = "The MULTI text: [nl] new line, [np] new page, [jl2-4] line justification, [jp2-4] page justification, [foN] font, [ptNoF] page times" };
        var durationOption = new Option<int>("--duration-minutes") { Description = "Minutes on the sign (1-65534); 0 = until replaced", DefaultValueFactory = _ => 0 };
        var priorityOption = new Option<int>("--priority") { Description = "NTCIP activation priority 1-255", DefaultValueFactory = _ => 255 };
        var activate = new Command("activate", "Put a message on a sign (checked against the sign's lines and characters first)") { signArgument, multiArgument, durationOption, priorityOption };
        activate.SetAction((parse, cancellation) =>
        {
            var body = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(body))
            {
                writer.WriteStartObject();
                writer.WriteString("multi", parse.GetValue(multiArgument));
                writer.WriteNumber("durationMinutes", parse.GetValue(durationOption));
                writer.WriteNumber("priority", parse.GetValue(priorityOption));
                writer.WriteEndObject();
            }

            return PostAsync(parse.GetValue(socketOption)!, $"/v1/vms/{Uri.EscapeDataString(parse.GetValue(signArgument)!)}/activate", Encoding.UTF8.GetString(body.WrittenSpan),
                parse.GetValue(jsonOption), output, error, cancellation);
        });
        var blankSign = new Argument<string>("sign") { Description = "Name of a configured sign" };
        var blank = new Command("blank", "Blank a sign") { blankSign };
        blank.SetAction((parse, cancellation) =>
            PostAsync(parse.GetValue(socketOption)!, $"/v1/vms/{Uri.EscapeDataString(parse.GetValue(blankSign)!)}/blank", "{}", parse.GetValue(jsonOption), output, error, cancellation));
        return new Command("vms", "Variable message signs (NTCIP 1203): show, activate, blank") { show, activate, blank };
    }

    internal static void Print(JsonElement signs, TextWriter output)
    {
        if (signs.GetArrayLength() == 0)
        {
            output.WriteLine("no sign configured (devices of protocol vms)");
            return;
        }

        output.WriteLine($"{"SIGN",-12} {"SIZE",-8} {"FAULTS",-26} {"READ",-9} MESSAGE");
        foreach (var sign in signs.EnumerateArray())
        {
            string size = sign.TryGetProperty("lines", out var l) && l.ValueKind == JsonValueKind.Number
                ? string.Create(CultureInfo.InvariantCulture, $"{l.GetInt32()}x{sign.GetProperty("columns").GetInt32()}")
                : "?";
            string faults = Text(sign, "faults") ?? "?";
            string read = sign.TryGetProperty("readAt", out var r) && r.ValueKind == JsonValueKind.String
                ? r.GetDateTimeOffset().ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)
                : "never";
            string message = Text(sign, "lastError") is { } problem ? $"(unreachable: {problem})"
                : Text(sign, "message") is { Length: > 0 } text ? text
                : Text(sign, "message") is null ? "?" : "(blank)";
            output.WriteLine($"{Text(sign, "sign"),-12} {size,-8} {faults,-26} {read,-9} {message}");
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static async Task<int> PostAsync(string socketPath, string path, string body, bool json, TextWriter output, TextWriter error, CancellationToken cancellation)
    {
        if (SocketAccess.Problem(socketPath) is { } problem)
        {
            return Fail(json, problem, output, error);
        }

        try
        {
            using var client = new LocalApiClient(socketPath, TimeSpan.FromSeconds(60));
            var (_, document) = await client.PostAsync(path, body, cancellation).ConfigureAwait(false);
            using (document)
            {
                var root = document.RootElement;
                bool ok = root.TryGetProperty("ok", out var okElement) && okElement.ValueKind == JsonValueKind.True;
                if (json)
                {
                    await output.WriteLineAsync(JsonSerializer.Serialize(root, EdgeCtlJson.Indented.JsonElement)).ConfigureAwait(false);
                }

                string message = Text(root, "message") ?? Text(root, "error") ?? "(no message)";
                if (!ok)
                {
                    await error.WriteLineAsync($"edgectl: {message}").ConfigureAwait(false);
                    return 1;
                }

                if (!json)
                {
                    await output.WriteLineAsync(message).ConfigureAwait(false);
                }

                return 0;
            }
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or JsonException or TaskCanceledException or LocalApiException)
        {
            return Fail(json, $"cannot reach {path} on {socketPath}: {e.Message}", output, error);
        }
    }

    private static int Fail(bool json, string message, TextWriter output, TextWriter error)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new ErrorOutput(message), EdgeCtlJson.Compact.ErrorOutput));
        }

        error.WriteLine($"edgectl: {message}");
        return 1;
    }
}
