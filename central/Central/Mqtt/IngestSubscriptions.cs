using City.Contract.Mqtt;

namespace City.Central.Mqtt;

/// <summary>
/// What central's ingest client subscribes to. One central: city/v1/# (no-local, so its own acks and commands do not come
/// back). Several centrals in a shared group: births and deaths by plain subscriptions, since every central needs every
/// catalogue to decode batches and retained messages are never delivered to shared subscriptions (MQTT 5, 4.8.2); data
/// (telemetry and event batches) and command results through $share/GROUP/..., so each reaches one central of the group.
/// No-local is not allowed on a shared subscription, and none of these filters matches central's own output.
/// </summary>
internal static class IngestSubscriptions
{
    public static IReadOnlyList<(string Filter, bool NoLocal)> For(string? sharedGroup)
    {
        if (sharedGroup is null)
        {
            return [(Topics.AllGateways, true)];
        }

        var any = Topics.Root + "/+/";
        return
        [
            (any + Topics.Suffix(TopicKind.Birth), false),
            (any + Topics.Suffix(TopicKind.Death), false),
            (any + Topics.Suffix(TopicKind.CmdResult), false),
            ($"$share/{sharedGroup}/{any}{Topics.Suffix(TopicKind.Data)}", false),
        ];
    }

    /// <summary>For the log: the filters, comma-separated.</summary>
    public static string Describe(string? sharedGroup) => string.Join(", ", For(sharedGroup).Select(s => s.Filter));
}
