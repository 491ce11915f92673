namespace City.Central.Store;

internal sealed record StoreReport(string File, bool IsHealthy, IReadOnlyList<string> Problems);

internal static class StoreVerifier
{
    public static StoreReport Verify(string file) => new(file, true, []);
}
