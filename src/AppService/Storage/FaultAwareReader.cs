using LiteDB;

namespace OpenMeet.AppService.Storage;

/// <summary>A query's reader, which reads lazily: a fault while it reads is reported like any other call's.</summary>
internal sealed class FaultAwareReader(IBsonDataReader inner, Func<Exception, StorageFaultException> fault) : IBsonDataReader
{
    public BsonValue this[string field] => inner[field];

    public string Collection => inner.Collection;

    public BsonValue Current => inner.Current;

    public bool HasValues => inner.HasValues;

    public bool Read()
    {
        try
        {
            return inner.Read();
        }
        catch (Exception e) when (RecoveringEngine.IsFault(e))
        {
            throw fault(e);
        }
    }

    public void Dispose()
    {
        try
        {
            inner.Dispose();
        }
        catch (Exception e) when (RecoveringEngine.IsFault(e))
        {
            throw fault(e);
        }
    }
}
