namespace City.Central.Ingest;

/// <summary>
/// Told by the ingest worker when a gateway's birth has been committed and its state published (online): the command
/// service implements it and sends what waited for the gateway; the lighting service checks the lighting version the
/// birth reported. Must not block.
/// </summary>
internal interface IGatewayBirths
{
    void BirthCommitted(string gatewayId);
}

/// <summary>Tells several listeners of each committed birth, in order.</summary>
internal sealed class GatewayBirthListeners(params IGatewayBirths[] listeners) : IGatewayBirths
{
    public void BirthCommitted(string gatewayId)
    {
        foreach (var listener in listeners)
        {
            listener.BirthCommitted(gatewayId);
        }
    }
}
