def search_cpsat(task, time_limit, index):
    return []
