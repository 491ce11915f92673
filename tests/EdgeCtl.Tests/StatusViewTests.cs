using System.Text.Json;

namespace City.EdgeCtl.Tests;

public sealed class StatusViewTests
{
    private static string Print(string central)
    {
        using var document = JsonDocument.Parse($$"""{ "gatewayId": "gw-001", "epoch": 3, "startedAt": "2026-12-05T00:00:00Z", "central": {{central}} }""");
        using var output = new StringWriter();
        StatusView.Print(document.RootElement, output);
        return output.ToString();
    }

    [Fact]
    public void A_plain_link_is_marked_plain_a_TLS_link_is_not()
    {
        Assert.Contains("central   127.0.0.1:1883 (PLAIN, no TLS)  connected", Print("""{ "broker": "127.0.0.1:1883", "connected": true, "since": "x", "tls": false }"""), StringComparison.Ordinal);
        Assert.DoesNotContain("PLAIN", Print("""{ "broker": "central:8883", "connected": true, "since": "x", "tls": true }"""), StringComparison.Ordinal);
    }

    [Fact]
    public void Ignored_acks_and_stray_messages_get_a_line_only_when_there_were_any()
    {
        var quiet = Print("""{ "broker": "central:8883", "connected": true, "tls": true, "forgedAckSeqs": 0, "foreignMessages": 0 }""");
        var forged = Print("""{ "broker": "central:8883", "connected": true, "tls": true, "forgedAckSeqs": 99996, "foreignMessages": 2 }""");

        Assert.DoesNotContain("IGNORED", quiet, StringComparison.Ordinal);
        Assert.Contains("IGNORED: acks for 99996 seqs never published or no longer awaited, 2 messages off the ack topic", forged, StringComparison.Ordinal);
    }

    [Fact]
    public void The_lighting_runtime_gets_one_line_with_its_set_overrides_commands_and_clock()
    {
        static string PrintLighting(string lighting)
        {
            using var document = JsonDocument.Parse($$"""{ "gatewayId": "gw-001", "lighting": {{lighting}} }""");
            using var output = new StringWriter();
            StatusView.Print(document.RootElement, output);
            return output.ToString();
        }

        var running = PrintLighting("""{ "version": "226dd56a409dc8c0", "assignments": 2, "overrides": 1, "commandsSent": 12, "commandsFailed": 1, "levelsReapplied": 3, "now": "2026-07-14T21:00:02+00:00", "scaledClock": true }""");
        Assert.Contains("lighting  set 226dd56a409dc8c0 (2 assignments), 1 overrides; DALI level commands sent 12, failed 1, re-sent to gear that lost their level 3; "
            + "clock 2026-07-14T21:00:02+00:00 (SCALED, Edge:Clock)", running, StringComparison.Ordinal);

        var idle = PrintLighting("""{ "version": null, "assignments": 0, "overrides": 0, "commandsSent": 0, "commandsFailed": 0, "levelsReapplied": 0, "now": "2026-12-05T03:00:00+00:00", "scaledClock": false }""");
        Assert.Contains("lighting  no set applied, 0 overrides; DALI level commands sent 0, failed 0, re-sent to gear that lost their level 0; clock 2026-12-05T03:00:00+00:00\n", idle.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
